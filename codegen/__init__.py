"""Everything that restates src/api/openapi.json is generated from it: `make generate` writes, `make generate-check` verifies.

- template_model: the REST API's MovieInput model in template.yaml (JSON Schema draft 4, API Gateway's dialect);
- typescript: frontend/src/lib/generated/schema.ts (the UI's types and the add form's limits);
- the Python client's models (clients/python/scripts/generate_models.py, `make client-models`).
"""
