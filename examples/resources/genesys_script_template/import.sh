# Import an existing script by its id.
terraform import genesys_script_template.greeting 3c2b9c41-5f0e-4a7b-9d4f-2e8a6c1b0d7e
