"""Prepare the test provider's database: tables, a signing key, the relying party's client
and the identities. Run as `python -m tests.oidc_op.setup` with
DJANGO_SETTINGS_MODULE=tests.oidc_op.settings, OP_DB and, as JSON in OP_SETUP:
{"client_id", "client_secret", "redirect_uri", "users": [{"username", "password", "uscc",
"id_number"}]}."""

import json
import os

import django


def main() -> None:
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType

    spec = json.loads(os.environ["OP_SETUP"])
    call_command("migrate", verbosity=0)
    call_command("creatersakey")
    client = Client.objects.create(
        name="宜春市网上中介服务超市", client_type="confidential", client_id=spec["client_id"],
        client_secret=spec["client_secret"], jwt_alg="RS256", require_consent=False, reuse_consent=True,
        _redirect_uris=spec["redirect_uri"], _scope="openid profile yczjcs",
    )
    client.response_types.add(ResponseType.objects.get(value="code"))
    for person in spec["users"]:
        user = User(username=person["username"], first_name=person.get("uscc") or "",
                    last_name=person.get("id_number") or "")
        user.set_password(person["password"])
        user.save()


if __name__ == "__main__":
    main()
