"""Content-Security-Policy on every HTML response.

The policy (settings.CONTENT_SECURITY_POLICY) allows scripts, styles, images, fonts and
socket connections from this site only and no inline script: every script ships as a file
under static/. A response that already carries a policy keeps its own; a path listed in
CONTENT_SECURITY_POLICY_BY_PATH gets the policy given there.
"""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        for prefix, special in getattr(settings, "CONTENT_SECURITY_POLICY_BY_PATH", {}).items():
            if request.path.startswith(prefix):
                policy = special
                break
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
