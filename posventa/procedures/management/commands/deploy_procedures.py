from django.core.management.base import BaseCommand, CommandError

from posventa.engine.deployment import DeploymentError, deploy_files, read_directory
from posventa.procedures.apps import MODELS_DIR


class Command(BaseCommand):
    help = "Validate and deploy the BPMN/DMN models under posventa/procedures/ that changed."

    def handle(self, *args, **options):
        try:
            results = deploy_files(read_directory(MODELS_DIR))
        except DeploymentError as err:
            raise CommandError("Models not deployed:\n- " + "\n- ".join(err.problems)) from err
        for version, created in results:
            state = "deployed" if created else "unchanged"
            self.stdout.write(f"{version.process_id}: version {version.version} ({state})")
