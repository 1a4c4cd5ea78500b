"""The Content-Security-Policy on every response: pages, the admin, the API, static files and
errors. (Referrer-Policy and X-Content-Type-Options come from Django's SecurityMiddleware,
set by `SECURE_REFERRER_POLICY` and `SECURE_CONTENT_TYPE_NOSNIFF`.)

`SecurityHeadersMiddleware` stands first in `MIDDLEWARE`, so whatever answers (a view, the
admin, WhiteNoise, Django's own 400/404/500, a redirect) passes through it on the way out.

The Content-Security-Policy allows nothing but this origin, and no inline code at all:

- `script-src 'self'`: scripts only from files served here; no inline `<script>`, no `on…=`
  handler attributes, no `eval` (htmx is told not to use it: `allowEval` in the
  `htmx-config` meta tag of `base.html`). JSON data blocks (`<script type="application/json">`,
  used by the admin and the browsable API) are not scripts and are unaffected.
- `style-src 'self'`: style sheets only; no `<style>` elements or `style=` attributes (htmx's
  own indicator style sheet is turned off by `includeIndicatorStyles` and its rules live in
  `console.css`). Styles set from a script file through the DOM are still allowed, which is
  all the admin's widgets do.
- `img-src 'self' data:`: the admin's and the API docs' icons are inline SVG data URLs.
- `frame-ancestors 'none'`, `form-action 'self'`, `base-uri 'none'`, `object-src 'none'`: no
  framing (as `X-Frame-Options: DENY`), forms post only here, no `<base>` or plugins.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy to every response that leaves the console."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response
