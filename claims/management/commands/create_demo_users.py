from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from ledger.demo_accounts import DEMO_USERS


class Command(BaseCommand):
    help = "Create demo editors and reviewers for local development (refused when DEBUG is off)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="Where it serves.")

    def handle(self, *args, base_url, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo users have published passwords; they are only created with DJANGO_DEBUG=1."
            )
        User = get_user_model()
        created = []
        for username, password, group_name, full_name in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            first, last = full_name.split()
            user = User.objects.create_user(
                username, password=password, is_staff=True, first_name=first, last_name=last
            )
            user.groups.add(Group.objects.get(name=group_name))
            created.append(username)
        if created:
            self.stdout.write(f"Created demo users: {', '.join(created)}.")
        self.stdout.write(
            f"Log in at {base_url}/admin/ as "
            + ", ".join(f"{u} / {p} ({g[:-1].lower()})" for u, p, g, _ in DEMO_USERS)
            + "."
        )
