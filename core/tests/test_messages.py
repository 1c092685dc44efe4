"""The message storage: Django's fallback storage, its cookie signer made only when a message is read or
written."""

from django.contrib.messages import constants
from django.http import HttpResponse
from django.test import RequestFactory

from core.messages import MessageStorage


def test_a_message_survives_the_next_request_and_a_request_without_any_makes_no_signer(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    first = RequestFactory().post("/people/new/")
    first.session = {}
    storage = MessageStorage(first)
    assert "signer" not in vars(storage.storages[0])  # nothing read or written yet: no signer made
    storage.add(constants.SUCCESS, "已保存“王老师”")
    response = HttpResponse()
    storage.update(response)
    cookie = response.cookies["messages"].value
    second = RequestFactory().get("/people/", HTTP_COOKIE=f"messages={cookie}")
    second.session = {}
    assert [str(m) for m in MessageStorage(second)] == ["已保存“王老师”"]
    forged = RequestFactory().get("/people/", HTTP_COOKIE=f"messages={cookie[:-2]}xx")
    forged.session = {}
    assert list(MessageStorage(forged)) == []  # a tampered cookie is dropped, as Django does
