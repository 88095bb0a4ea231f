"""Read what the local stack must emulate straight from template.yaml, so the two cannot drift apart
(infra.template loads it; this module reads the gateway, queue and timeout settings out of it)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from infra.template import ROOT, TEMPLATE, CfnLoader, function_handler, functions, load, resources

__all__ = ["ROOT", "TEMPLATE", "CfnLoader", "function_handler", "functions", "load", "resources"]


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # template form, e.g. /api/movies/{id}
    function: str  # logical id
    authorized: bool
    pattern: re.Pattern
    model: str | None = None  # RequestModel the gateway validates the body against
    validate_body: bool = False
    body_required: bool = False

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        m = self.pattern.match(path)
        return m.groupdict() if m else None


def _compile(path: str) -> re.Pattern:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
    return re.compile(f"^{regex}$")


def rest_routes() -> list[Route]:
    default_auth = any(
        api["Properties"].get("Auth", {}).get("DefaultAuthorizer") for api in resources("AWS::Serverless::Api").values()
    )
    routes = []
    for name, fn in functions().items():
        for event in fn["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            props = event["Properties"]
            authorizer = props.get("Auth", {}).get("Authorizer")
            model = props.get("RequestModel") or {}
            routes.append(
                Route(
                    method=props["Method"].upper(),
                    path=props["Path"],
                    function=name,
                    authorized=default_auth and authorizer != "NONE",
                    pattern=_compile(props["Path"]),
                    model=model.get("Model"),
                    validate_body=bool(model.get("ValidateBody")),
                    body_required=bool(model.get("Required")),
                )
            )
    # Literal segments beat path parameters, as in API Gateway (/api/movies/search before /{id}).
    return sorted(routes, key=lambda r: (r.path.count("{"), -len(r.path)))


def stage_name() -> str:
    return load()["Parameters"]["Stage"]["Default"]


# --- the REST API's own settings: gateway responses, models, cache, CORS ----------------------


def rest_api() -> dict:
    """Properties of the one AWS::Serverless::Api."""
    (api,) = resources("AWS::Serverless::Api").values()
    return api["Properties"]


def _unquote(value: Any) -> str:
    """API Gateway header mappings are static values in single quotes: "'https://x'"."""
    text = str(value)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


@dataclass(frozen=True)
class GatewayResponse:
    status: int | None  # None: the response type's own default status
    headers: dict[str, str]  # header → static value (quotes removed)
    templates: dict[str, str]  # content type → body template


def gateway_responses(refs: dict[str, dict[str, str]]) -> dict[str, GatewayResponse]:
    """The template's GatewayResponses, references resolved (CORS origins come from parameters)."""
    found = {}
    for kind, spec in (rest_api().get("GatewayResponses") or {}).items():
        spec = resolve(spec, refs)
        headers = (spec.get("ResponseParameters") or {}).get("Headers") or {}
        status = spec.get("StatusCode")
        found[kind] = GatewayResponse(
            int(status) if status else None,
            {k: _unquote(v) for k, v in headers.items()},
            dict(spec.get("ResponseTemplates") or {}),
        )
    return found


def models() -> dict[str, dict]:
    return dict(rest_api().get("Models") or {})


@dataclass(frozen=True)
class CacheSetting:
    ttl: int
    key_parameters: tuple[str, ...]  # e.g. method.request.querystring.genre
    require_authorization_for_cache_control: bool
    unauthorized_strategy: str


def cache_settings(refs: dict[str, dict[str, str]] | None = None) -> dict[tuple[str, str], CacheSetting]:
    """(method, path) → how the stage cache serves it, for every method setting that enables caching.

    Cache key parameters are the event's RequestParameters marked Caching: true, as SAM maps them."""
    refs = refs or {}
    keys: dict[tuple[str, str], tuple[str, ...]] = {}
    for fn in functions().values():
        for event in fn["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            props = event["Properties"]
            cached = []
            for param in props.get("RequestParameters") or []:
                if isinstance(param, dict):
                    cached += [name for name, opts in param.items() if (opts or {}).get("Caching")]
            keys[(props["Method"].upper(), props["Path"])] = tuple(cached)
    settings: dict[tuple[str, str], CacheSetting] = {}
    if str(resolve(rest_api().get("CacheClusterEnabled", False), refs)).lower() != "true":
        return settings  # no cache cluster: method settings cannot cache anything
    for setting in resolve(rest_api().get("MethodSettings", []), refs):
        enabled = str(setting.get("CachingEnabled")).lower() == "true"
        if enabled and int(setting.get("CacheTtlInSeconds") or 0) > 0:
            path = setting["ResourcePath"][1:].replace("~1", "/")  # "/~1api~1x" is /api/x
            method = setting["HttpMethod"].upper()
            settings[(method, path)] = CacheSetting(
                int(setting["CacheTtlInSeconds"]),
                keys.get((method, path), ()),
                # Defaults API Gateway applies (CloudFormation's MethodSetting cannot change them).
                str(setting.get("RequireAuthorizationForCacheControl", True)).lower() == "true",
                str(setting.get("UnauthorizedCacheControlHeaderStrategy", "SUCCEED_WITH_RESPONSE_HEADER")),
            )
    return settings


@dataclass(frozen=True)
class Cors:
    allow_origin: str
    allow_headers: str
    allow_methods: str
    max_age: str


def rest_cors(refs: dict[str, dict[str, str]]) -> Cors | None:
    """The Api's Cors setting (what SAM's generated OPTIONS methods answer), references resolved."""
    cors = rest_api().get("Cors")
    if not cors:
        return None
    if isinstance(cors, str):
        cors = {"AllowOrigin": cors}
    cors = resolve(cors, refs)
    return Cors(
        _unquote(cors.get("AllowOrigin", "'*'")),
        _unquote(cors.get("AllowHeaders", "")),
        _unquote(cors.get("AllowMethods", "")),
        _unquote(cors.get("MaxAge", "")),
    )


def function_timeout(logical_id: str) -> float:
    props = functions()[logical_id]["Properties"]
    return float(props.get("Timeout") or load().get("Globals", {}).get("Function", {}).get("Timeout", 3))


def _limits(setting: dict[str, Any]) -> tuple[float, int] | None:
    if setting.get("ThrottlingRateLimit") is None:
        return None
    return float(setting["ThrottlingRateLimit"]), int(setting.get("ThrottlingBurstLimit", 0))


def throttle_limits(refs: dict[str, dict[str, str]] | None = None) -> tuple[float, int] | None:
    """(rate per second, burst) of the stage's "/*" method setting, if it sets them: each method's default."""
    for setting in resolve(rest_api().get("MethodSettings", []), refs or {}):
        if setting.get("ResourcePath") == "/*":
            return _limits(setting)
    return None


def method_throttles(refs: dict[str, dict[str, str]] | None = None) -> dict[tuple[str, str], tuple[float, int] | None]:
    """(method, path) → (rate, burst) for the methods with a setting of their own. API Gateway throttles each
    method in its own bucket; such a setting replaces the "/*" default for its method (None: it sets no throttle,
    so the method has none, as AWS's -1)."""
    found: dict[tuple[str, str], tuple[float, int] | None] = {}
    for setting in resolve(rest_api().get("MethodSettings", []), refs or {}):
        if setting.get("ResourcePath") != "/*":
            path = setting["ResourcePath"][1:].replace("~1", "/")  # "/~1api~1x" is /api/x
            found[(setting["HttpMethod"].upper(), path)] = _limits(setting)
    return found


def lowest_throttle(refs: dict[str, dict[str, str]] | None = None) -> tuple[float, int] | None:
    """The smallest (rate, burst) of any method: a client that stays under it meets no 429 on any route."""
    limits = [lim for lim in (throttle_limits(refs), *method_throttles(refs).values()) if lim is not None]
    return min(limits) if limits else None


# --- event sources and the WebSocket API ---------------------------------------------------


@dataclass(frozen=True)
class EventSource:
    function: str
    kind: str  # "SQS" or "DynamoDB"
    resource: str  # logical id of the queue or table
    batch_size: int
    report_failures: bool
    filters: tuple[dict, ...] = ()
    batching_window: float = 0.0  # MaximumBatchingWindowInSeconds: how long records gather before an invocation
    max_retries: int = -1  # MaximumRetryAttempts of a stream mapping (-1: Lambda's default, until records expire)


def _logical_id(value: Any) -> str:
    """The resource a !GetAtt X.Arn / !Ref X points at."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
    raise ValueError(f"cannot tell which resource {value!r} names")


def event_sources() -> list[EventSource]:
    import json

    found = []
    for name, fn in functions().items():
        for event in fn["Properties"].get("Events", {}).values():
            props = event.get("Properties", {})
            if event["Type"] == "SQS":
                target = _logical_id(props["Queue"])
            elif event["Type"] == "DynamoDB":
                target = _logical_id(props["Stream"])
            else:
                continue
            filters = tuple(json.loads(f["Pattern"]) for f in props.get("FilterCriteria", {}).get("Filters", []))
            found.append(
                EventSource(
                    name,
                    event["Type"],
                    target,
                    int(props.get("BatchSize", 10)),
                    "ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                    filters,
                    float(props.get("MaximumBatchingWindowInSeconds", 0)),
                    int(props.get("MaximumRetryAttempts", -1)),
                )
            )
    return found


def _function_of_uri(uri: Any) -> str:
    text = uri["Fn::Sub"] if isinstance(uri, dict) else uri
    match = re.search(r"\$\{(\w+)\.Arn\}", text)
    if not match:
        raise ValueError(f"no function in {text!r}")
    return match.group(1)


@dataclass(frozen=True)
class WebSocketRoute:
    key: str
    function: str
    authorizer: str | None  # function of the REQUEST authorizer, for $connect
    identity_query: str | None  # query parameter the authorizer needs
    two_way: bool  # has a route response: the function's body goes back to the client


def websocket_routes() -> dict[str, WebSocketRoute]:
    res = load()["Resources"]
    responses = {_logical_id(r["Properties"]["RouteId"]) for r in resources("AWS::ApiGatewayV2::RouteResponse").values()}
    routes = {}
    for logical_id, route in resources("AWS::ApiGatewayV2::Route").items():
        props = route["Properties"]
        target = props["Target"]["Fn::Sub"] if isinstance(props["Target"], dict) else props["Target"]
        reference = re.search(r"\$\{(\w+)\}", target)
        assert reference is not None, f"{logical_id}: its Target names no integration"
        integration = res[reference.group(1)]
        authorizer = identity = None
        if props.get("AuthorizerId"):
            auth = res[_logical_id(props["AuthorizerId"])]["Properties"]
            authorizer = _function_of_uri(auth["AuthorizerUri"])
            source = auth["IdentitySource"][0]
            identity = source.rsplit(".", 1)[-1] if ".querystring." in source else None
        routes[props["RouteKey"]] = WebSocketRoute(
            props["RouteKey"],
            _function_of_uri(integration["Properties"]["IntegrationUri"]),
            authorizer,
            identity,
            logical_id in responses,
        )
    return routes


# --- resolving references for the local stand-ins ------------------------------------------


def parameter_value(name: str) -> str:
    """A template parameter as the local stack deploys it: its Default, unless LOCAL_PARAMETER_OVERRIDES
    ("Name=value Other=value", like sam deploy --parameter-overrides) sets it."""
    import shlex

    overrides = dict(item.split("=", 1) for item in shlex.split(os.environ.get("LOCAL_PARAMETER_OVERRIDES", "")) if "=" in item)
    return overrides.get(name, str(load()["Parameters"][name].get("Default", "")))


def resolve(value: Any, refs: dict[str, dict[str, str]]) -> Any:
    """Resolve !Ref, !GetAtt and !Sub against refs: logical id → {"Ref": …, "Arn": …, …}; params by default."""
    if isinstance(value, dict):
        if value.get("Ref") == "AWS::NoValue":
            return None
        if "Ref" in value:
            name = value["Ref"]
            if name in refs:
                return refs[name]["Ref"]
            pseudo = {
                "AWS::Region": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                "AWS::AccountId": "000000000000",
                "AWS::StackName": "movie-library-local",
                "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com",
            }
            if name in pseudo:
                return pseudo[name]
            return parameter_value(name)
        if "Fn::GetAtt" in value:
            name, attr = value["Fn::GetAtt"]
            return refs[name][attr]
        if "Fn::If" in value:
            condition, when_true, when_false = value["Fn::If"]
            return resolve(when_true if condition_holds(condition, refs) else when_false, refs)
        if "Fn::Sub" in value:

            def sub(match: re.Match) -> str:
                token = match.group(1)
                if "." in token:
                    name, attr = token.split(".", 1)
                    return refs[name][attr]
                return str(resolve({"Ref": token}, refs))

            return re.sub(r"\$\{([\w:.]+)\}", sub, value["Fn::Sub"])
        resolved = {k: resolve(v, refs) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not None or value[k] is None}  # AWS::NoValue drops the key
    if isinstance(value, list):
        return [item for item in (resolve(v, refs) for v in value) if item is not None]
    return value


def condition_holds(name: str, refs: dict[str, dict[str, str]]) -> bool:
    """Evaluate one of the template's Conditions with the parameters' defaults."""

    def evaluate(node: Any) -> Any:
        if isinstance(node, dict) and "Condition" in node:
            return condition_holds(node["Condition"], refs)
        if isinstance(node, dict) and "Fn::Equals" in node:
            left, right = (resolve(v, refs) for v in node["Fn::Equals"])
            return str(left) == str(right)
        if isinstance(node, dict) and "Fn::Not" in node:
            return not evaluate(node["Fn::Not"][0])
        if isinstance(node, dict) and "Fn::And" in node:
            return all(evaluate(n) for n in node["Fn::And"])
        if isinstance(node, dict) and "Fn::Or" in node:
            return any(evaluate(n) for n in node["Fn::Or"])
        raise ValueError(f"unsupported condition {node!r}")

    return bool(evaluate(load()["Conditions"][name]))


def function_environment(refs: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Each function's environment variables (Globals + its own), references resolved."""
    shared = load().get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    envs = {}
    for name, fn in functions().items():
        own = fn["Properties"].get("Environment", {}).get("Variables", {})
        envs[name] = {k: str(resolve(v, refs)) for k, v in {**shared, **own}.items()}
    return envs


def environment_names() -> set[str]:
    shared = load().get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    names = set(shared)
    for fn in functions().values():
        names |= set(fn["Properties"].get("Environment", {}).get("Variables", {}))
    return names


def usernames_case_sensitive(refs: dict[str, dict[str, str]] | None = None) -> bool:
    """Whether the user pool tells usernames apart by case (Cognito's default when UsernameConfiguration is absent)."""
    (pool,) = resources("AWS::Cognito::UserPool").values()
    config = resolve(pool["Properties"].get("UsernameConfiguration"), refs or {})
    return not isinstance(config, dict) or str(config.get("CaseSensitive", True)).lower() == "true"
