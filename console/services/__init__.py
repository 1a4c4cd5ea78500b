"""The console's services: catalogue seeding, demo set-up, configuration import/export."""
