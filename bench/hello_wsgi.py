"""The ceiling: a bare WSGI application answering "hello" (bench/framework.py)."""


def application(environ, start_response):
    body = b"hello"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
