# Import an existing script by its id, in the provider's default org.
terraform import genesys_script_template.greeting 3c2b9c41-5f0e-4a7b-9d4f-2e8a6c1b0d7e

# By its exact name (fails, listing the ids, when no script or several have it).
terraform import genesys_script_template.greeting 'name:Standard Greeting'

# In an org of the provider's `orgs`: ORG/ID or ORG/name:NAME.
terraform import 'genesys_script_template.greeting["acme"]' 'acme/name:Standard Greeting'
