"""Everything that restates src/api/openapi.json is generated from it: `make generate` writes, `make generate-check` verifies.

- rules: where each rule lives in the document (schema keywords, `x-` extensions for what JSON Schema cannot say);
- template_model: template.yaml's MovieInput model (JSON Schema draft 4, API Gateway's dialect), its gateway
  responses and its Cognito password policy;
- typescript: frontend/src/lib/generated/schema.ts (the UI's types, form limits, hints, sort orders, text and
  password rules);
- python: src/domain/contract.py (the rules the server reads as constants);
- the Python client's models (clients/python/scripts/generate_models.py, `make client-models`).
"""
