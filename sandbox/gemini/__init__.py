"""Google Gemini: the Gemini Developer API, Vertex AI (project paths and express mode), and the
OAuth2 ``/token`` endpoint that service-account credentials use.

Gemini API keys go in ``x-goog-api-key`` (or ``?key=``); a bad key is 400 INVALID_ARGUMENT, as
on the real API. Vertex takes a Bearer access token bound to one project (issued by ``/token``
after verifying the service account's JWT signature, or configured statically) or an express-mode
API key. Streaming is SSE with ``alt=sse`` and a JSON array otherwise.

:mod:`.routes` registers every route; the other modules are named for what they hold.
"""

from __future__ import annotations

PROVIDER = "google_gemini"
