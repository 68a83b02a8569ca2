"""Script URLs (javascript:, vbscript:, data:text/html, however disguised) are refused at every
door that takes a URL: the services, the API and the admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from claims import services
from claims.models import Publisher, Source
from tests import factories
from tests.hostile import (
    API,
    admin_url,
    fresh_throttle,  # noqa: F401 (autouse)
)

pytestmark = pytest.mark.django_db

SCRIPT_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
]


@pytest.mark.parametrize("url", SCRIPT_URLS)
def test_script_urls_are_refused_by_services_api_and_admin(url, editor, superuser):
    paper = factories.publisher("The Paper")
    with pytest.raises(ValidationError) as refused:
        services.source_create(title="T", text="Text.", publisher=paper, url=url, by=editor)
    assert "url" in refused.value.message_dict

    api = APIClient()
    api.force_authenticate(editor)
    response = api.post(
        f"{API}/sources/",
        {"title": "T", "text": "Text.", "publisher": paper.slug, "url": url},
        format="json",
    )
    assert response.status_code == 400 and "url" in response.json()

    staff = Client()
    staff.force_login(superuser)
    form = staff.post(
        admin_url("publisher_add"), {"name": "Hostile", "slug": "hostile", "url": url}
    )
    assert form.status_code == 200 and "Enter a valid URL." in form.content.decode()
    assert not Source.objects.filter(title="T").exists()
    assert not Publisher.objects.filter(slug="hostile").exists()
