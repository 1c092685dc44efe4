from django.urls import path

from . import letter_views as views

app_name = "letters"

urlpatterns = [
    path("letters/", views.letter_list, name="letter_list"),
    path("letters/generate/", views.letter_generate, name="generate"),
    path("letters/mine/", views.my_letters, name="my_letters"),
    path("letters/print.pdf", views.letters_pdf, name="letters_pdf"),
    path("letters/<int:pk>/", views.letter_detail, name="letter_detail"),
    path("letters/<int:pk>/sign/", views.letter_sign, name="sign"),
    path("letters/<int:pk>/letter.pdf", views.letter_pdf, name="letter_pdf"),
]
