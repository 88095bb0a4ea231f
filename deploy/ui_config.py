"""The UI's runtime config.json, from stack outputs (one build works in every environment)."""

from __future__ import annotations


def from_outputs(outputs: dict[str, str], region: str) -> dict:
    return {
        "apiUrl": f"{outputs['RestApiUrl']}/api",
        "wsUrl": outputs["WebSocketUrl"],
        "cognitoEndpoint": f"https://cognito-idp.{region}.amazonaws.com/",
        "userPoolId": outputs["UserPoolId"],
        "clientId": outputs["UserPoolClientId"],
        "region": region,
        "local": False,
    }
