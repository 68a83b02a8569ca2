"""The Editors and Reviewers groups, with exactly the permissions their work needs.

Editors write: sources, excerpts, speakers, publishers, disputes, claims and evidence, and submit
claims for review. Reviewers read everything and take the review steps (publish, request changes,
reject, withdraw). Neither may delete a claim: a claim leaves the public ledger by being rejected
or withdrawn, with a reason on record.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CLAIMS_MODELS = [
    "publisher",
    "speaker",
    "source",
    "sourceitem",
    "excerpt",
    "dispute",
    "claim",
    "evidence",
]

ROLES = {
    "Editors": [
        *(f"{verb}_{model}" for model in CLAIMS_MODELS for verb in ("add", "change", "view")),
        "delete_source",
        "delete_sourceitem",
        "delete_excerpt",
        "delete_evidence",
        "submit_claim",
        "view_reviewevent",
    ],
    "Reviewers": [
        *(f"view_{model}" for model in CLAIMS_MODELS),
        "view_reviewevent",
        "review_claim",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create them now so that
    # the groups can be given them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = list(
            Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)
        )
        missing = set(codenames) - {p.codename for p in permissions}
        if missing:
            raise RuntimeError(f"Missing permissions for {name}: {sorted(missing)}")
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("claims", "0002_review_workflow"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
