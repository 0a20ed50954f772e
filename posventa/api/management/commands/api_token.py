from django.core.management.base import BaseCommand, CommandError

from posventa.accounts.models import User
from posventa.api.services import token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print its key (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="script")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        _token, key = token_create(user=user, name=name)
        self.stdout.write(key)
