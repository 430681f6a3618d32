"""Project-wide middleware."""

from django.http import HttpRequest, HttpResponse


class HeadAsGetMiddleware:
    """Answer `HEAD` wherever `GET` is answered: the view runs as for `GET` (views are
    decorated `require_GET` or `require_http_methods(["GET", "POST"])`, which refuse HEAD
    with 405), and the body is dropped, keeping its headers (Content-Length included), as
    HTTP wants. A view that refuses GET refuses HEAD too. GET is safe, so HEAD writes no
    more than GET does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "HEAD":
            return self.get_response(request)
        request.method = "GET"
        try:
            response = self.get_response(request)
        finally:
            request.method = "HEAD"
        if response.streaming:
            # A file's handle stays among the response's closers, closed when it is sent.
            response.streaming_content = []
        else:
            if not response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response
