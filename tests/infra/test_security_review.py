"""Issue #24 (security review 2026-12-03): the template, IAM and deploy findings, each pinned by an offline check
on the template after the SAM transform (as CloudFormation receives it).

Each test names its review finding and fails on the template before its fix: INFRA_TEMPLATE=<old template.yaml>
runs them against another template (`git show main:template.yaml > /tmp/old.yaml`).
"""

from __future__ import annotations

import re

from tests.infra.cfn import Stack
from tests.infra.conftest import transformed_template_for


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


# --- 18: logs expire, traces carry no responses ---------------------------------------------------------------


def test_24_18_no_function_records_its_response_in_xray() -> None:
    for env in ("default", "prod"):
        functions = _of_type(transformed_template_for(env), "AWS::Lambda::Function")
        assert functions
        for name, function in functions.items():
            variables = function["Properties"].get("Environment", {}).get("Variables", {})
            assert variables.get("POWERTOOLS_TRACER_CAPTURE_RESPONSE") == "false", name


def test_24_18_every_function_writes_to_a_log_group_of_the_stack_that_expires() -> None:
    stack_ = Stack.with_params({"SignUpMode": "domains", "SignUpAllowedDomains": "example.com", "EtlImageTag": "abc"})
    groups = {}
    for name, group in stack_.of_type("AWS::Logs::LogGroup").items():
        assert group["Properties"].get("RetentionInDays"), f"{name} never expires"
        groups[str(stack_.evaluate(group["Properties"].get("LogGroupName", "")))] = name
    for name in stack_.of_type("AWS::Lambda::Function"):
        assert str({"Fn::Sub": f"/aws/lambda/${{{name}}}"}) in groups, f"{name} logs to a group Lambda creates (never expires)"


# --- 17: least privilege ---------------------------------------------------------------------------------------

# What each function's code calls on DynamoDB (src/data), per table: nothing else (no Scan, BatchWrite, DeleteItem
# where the code has none, as SAM's DynamoDBCrudPolicy grants).
_DYNAMODB_CALLS = {
    "WriteApiFunction": {"RequestsTable": {"GetItem", "PutItem", "Query"}, "AddLimitsTable": {"UpdateItem"}},
    "CorrectionsApiFunction": {"AddLimitsTable": {"UpdateItem"}, "LibraryEventsTable": {"PutItem"}},
    "AddProcessorFunction": {"RequestsTable": {"GetItem", "UpdateItem"}},
    "AddDeadLetterFunction": {"RequestsTable": {"GetItem", "UpdateItem"}},
    "NotifierFunction": {"ConnectionsTable": {"DeleteItem", "Query"}, "LibraryEventsTable": {"PutItem"}},
    "WebSocketFunction": {"ConnectionsTable": {"PutItem", "DeleteItem", "Query"}},
}


def _statements(role: dict) -> list[dict]:
    return [s for policy in role["Properties"].get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _resource_tables(resource: object) -> set[str]:
    from tests.infra.cfn import references

    return {r for r in references(resource) if r.endswith("Table")}


def _table_actions(role: dict) -> dict[str, set[str]]:
    """{table: DynamoDB actions} the role allows (stream reads for event sources aside)."""
    found: dict[str, set[str]] = {}
    for statement in _statements(role):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        calls = {a.split(":", 1)[1] for a in actions if a.startswith("dynamodb:")}
        calls -= {"DescribeStream", "GetRecords", "GetShardIterator", "ListStreams"}
        if not calls:
            continue
        for table in _resource_tables(statement["Resource"]):
            found.setdefault(table, set()).update(calls)
    return found


def test_24_17_functions_may_make_only_the_dynamodb_calls_their_code_makes() -> None:
    template = transformed_template_for("default")
    roles = {name.removesuffix("Role"): role for name, role in _of_type(template, "AWS::IAM::Role").items()}
    for function, expected in _DYNAMODB_CALLS.items():
        assert _table_actions(roles[function]) == expected, function


def test_24_17_the_drive_secret_grant_matches_that_secret_only() -> None:
    role = transformed_template_for("default")["Resources"]["EtlTaskRole"]
    arns = [
        r
        for s in _statements(role)
        if "secretsmanager:GetSecretValue" in str(s["Action"])
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    drive = [a for a in arns if "DriveCredentialsSecretName" in str(a)]
    assert drive and all(str(a).rstrip("\"'}").endswith("-??????") for a in drive), drive


def test_24_17_gateway_endpoints_reach_only_the_stacks_tables_and_cloudformations_response_buckets() -> None:
    template = transformed_template_for("default")
    endpoints = {n: e["Properties"] for n, e in _of_type(template, "AWS::EC2::VPCEndpoint").items()}
    dynamodb = endpoints["DynamoDbEndpoint"]["PolicyDocument"]["Statement"]
    reachable = set().union(*(_resource_tables(s["Resource"]) for s in dynamodb if s["Effect"] == "Allow"))
    roles = {name.removesuffix("Role"): role for name, role in _of_type(template, "AWS::IAM::Role").items()}
    in_vpc = [n for n, f in _of_type(template, "AWS::Lambda::Function").items() if "VpcConfig" in f["Properties"]]
    assert in_vpc
    for function in in_vpc:
        assert set(_table_actions(roles[function])) <= reachable, f"{function} uses a table its endpoint refuses"
    assert "ConnectionsTable" not in reachable and all("*" not in str(s["Resource"]) for s in dynamodb)
    s3 = endpoints["S3Endpoint"]["PolicyDocument"]["Statement"]
    assert [(s["Effect"], s["Action"]) for s in s3] == [("Allow", "s3:PutObject")]
    assert "cloudformation-custom-resource-response-" in str(s3[0]["Resource"])


def test_24_17_the_alerts_topic_takes_alarms_and_events_of_this_account_only() -> None:
    policy = transformed_template_for("default")["Resources"]["AlertsTopicPolicy"]["Properties"]["PolicyDocument"]
    for statement in policy["Statement"]:
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_24_17_no_arn_names_the_aws_partition_literally() -> None:
    from tests.infra.conftest import TEMPLATE

    assert "arn:aws:" not in TEMPLATE.read_text(), "use arn:${AWS::Partition}: (GovCloud, China)"


# --- 8: the ETL logs in as movie_etl; prod names its Drive folder -----------------------------------------------


def test_24_8_the_etl_task_logs_in_as_movie_etl_without_the_master_secret() -> None:
    stack_ = Stack.with_params({"EtlImageTag": "abc"})
    task = stack_.resources["EtlTaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    env = {e["Name"]: stack_.evaluate(e["Value"]) for e in task["Environment"]}
    assert env["DB_IAM_USER"] == "movie_etl" and "DB_SECRET_ARN" not in env
    role = stack_.resources["EtlTaskRole"]
    assert "MasterUserSecret" not in str(role), "the task role may not read the master secret"
    connects = [s for s in _statements(role) if s["Action"] == "rds-db:connect"]
    assert [stack_.sub(s["Resource"]) for s in connects] == [
        "arn:aws:rds-db:us-east-1:123456789012:dbuser:<Database.DbiResourceId>/movie_etl"
    ]
    assert env["DRIVE_FOLDER_ID"] == "1Z-Bqt69UgrGkwo0ArjHaNrA7uUmUm2r6", "outside prod the public sample folder"


def test_24_8_prod_must_name_its_drive_folder() -> None:
    from tests.infra.test_deploy_third_pass import _prod, _rule_failures

    configured = {"SignUpAllowedDomains": "example.com"}
    assert any("DriveFolderId" in f for f in _rule_failures(_prod(configured)))
    named = _prod({**configured, "DriveFolderId": "1AbCdEfGh", "EtlImageTag": "abc"})
    assert not _rule_failures(named)
    task = named.resources["EtlTaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    assert {e["Name"]: named.evaluate(e["Value"]) for e in task["Environment"]}["DRIVE_FOLDER_ID"] == "1AbCdEfGh"
    assert not _rule_failures(Stack.with_params({"EnvironmentType": "staging"})), "staging keeps the sample folder"


def test_24_17_the_read_api_logs_in_as_the_read_only_role() -> None:
    for params in ({}, {"UseRdsProxy": "true"}):
        stack_ = Stack.with_params(params)
        function = stack_.resources["ReadApiFunction"]["Properties"]
        assert function["Environment"]["Variables"]["DB_IAM_USER"] == "movie_reader"
        users = {
            re.search(r"/(\w+)['\"]", str(r)).group(1)  # type: ignore[union-attr]
            for s in _statements(stack_.resources["ReadApiFunctionRole"])
            if s["Action"] == "rds-db:connect"
            for r in stack_.evaluate(s["Resource"])
        }
        assert users == {"movie_reader"}, params
    proxy_role = Stack.with_params({"UseRdsProxy": "true"}).resources["DatabaseProxyRole"]
    assert "movie_reader" in str(proxy_role), "the proxy logs in to the database as the reader too"


# --- 4: per-route throttles, WAF on in prod -------------------------------------------------------------------


def _routes(template: dict) -> set[tuple[str, str]]:
    found = set()
    for function in template["Resources"].values():
        for event in function.get("Properties", {}).get("Events", {}).values() if isinstance(function, dict) else []:
            if event.get("Type") == "Api":
                found.add((event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
    return found


def _stage_settings(env: str) -> list[dict]:
    (stage,) = _of_type(transformed_template_for(env), "AWS::ApiGateway::Stage").values()
    return stage["Properties"]["MethodSettings"]


def test_24_4_writes_and_heavy_reads_have_their_own_lower_throttles() -> None:
    from tests.infra.conftest import load_raw

    routes = _routes(load_raw())
    settings = {(s["HttpMethod"], s["ResourcePath"]): s for s in _stage_settings("prod")}
    default = settings.pop(("*", "/*"))
    for (method, path), setting in settings.items():
        assert (method, path[1:].replace("~1", "/")) in routes, f"{method} {path} is no route"
        # A method's entry replaces the stage default for it: unset throttles would leave the method unthrottled.
        for field in ("ThrottlingRateLimit", "ThrottlingBurstLimit", "MetricsEnabled", "LoggingLevel"):
            assert field in setting, f"{method} {path} lacks {field}"
    writes = [("POST", "/~1api~1movies"), ("PATCH", "/~1api~1movies~1{id}"), ("DELETE", "/~1api~1movies~1{id}")]
    heavy = [("GET", "/~1api~1movies~1search"), ("GET", "/~1api~1movies~1filter")]
    for key in writes + heavy:
        assert settings[key]["ThrottlingRateLimit"] < default["ThrottlingRateLimit"], key
        assert settings[key]["ThrottlingBurstLimit"] < default["ThrottlingBurstLimit"], key


def test_24_4_prod_has_a_waf_on_the_rest_stage_and_the_user_pool_with_per_client_limits() -> None:
    assert not Stack.with_params({}).of_type("AWS::WAFv2::WebACL"), "optional: off by default"
    stack_ = Stack(transformed_template_for("prod"), {})
    from tests.infra.conftest import parameter_overrides

    stack_.params = {n: str(p.get("Default", "")) for n, p in stack_.template["Parameters"].items()} | parameter_overrides("prod")
    (acl,) = stack_.of_type("AWS::WAFv2::WebACL").values()
    props = acl["Properties"]
    assert props["Scope"] == "REGIONAL" and props["DefaultAction"] == {"Allow": {}}
    rules = {r["Name"]: r for r in props["Rules"]}
    rate = {n: r["Statement"]["RateBasedStatement"] for n, r in rules.items() if "RateBasedStatement" in r["Statement"]}
    assert any(r["AggregateKeyType"] == "IP" and "ScopeDownStatement" not in r for r in rate.values()), "per IP"
    per_token = [r for r in rate.values() if r["AggregateKeyType"] == "CUSTOM_KEYS"]
    assert per_token and per_token[0]["CustomKeys"][0]["Header"]["Name"] == "authorization", "per signed-in session"
    managed = [
        r["Statement"]["ManagedRuleGroupStatement"] for r in rules.values() if "ManagedRuleGroupStatement" in r["Statement"]
    ]
    assert {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"} in managed
    for rule in rules.values():
        if "Action" in rule:
            assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429, "the contract's RATE_LIMITED"
    targets = {str(a["Properties"]["ResourceArn"]) for a in stack_.of_type("AWS::WAFv2::WebACLAssociation").values()}
    assert any("restapis/${RestApi}/stages/" in t for t in targets), targets
    assert any("UserPool" in t and "Arn" in t for t in targets), targets


# --- 20: Cognito hardening ------------------------------------------------------------------------------------


def test_24_20_threat_protection_is_an_option_and_recovery_is_by_verified_email_only() -> None:
    def pool(params: dict[str, str]) -> dict:
        stack_ = Stack.with_params(params)
        (found,) = stack_.of_type("AWS::Cognito::UserPool").values()
        return stack_.evaluate(found["Properties"])

    off = pool({})
    assert "UserPoolAddOns" not in off and "UserPoolTier" not in off, "off by default (the Plus tier costs per user)"
    for mode, expected in (("audit", "AUDIT"), ("enforced", "ENFORCED")):
        on = pool({"ThreatProtection": mode})
        assert on["UserPoolAddOns"] == {"AdvancedSecurityMode": expected} and on["UserPoolTier"] == "PLUS"
    assert off["AccountRecoverySetting"] == {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]}


# --- 12: connect-src names this stack's APIs; TLS 1.2 on a custom domain ---------------------------------------

_OUTPUTS = {
    "RestApiUrl": "https://abc123defg.execute-api.us-east-1.amazonaws.com/v1",
    "WebSocketUrl": "wss://ws987zyxwv.execute-api.us-east-1.amazonaws.com/v1",
}


def _connect_src(page: str) -> list[list[str]]:
    """The connect-src of every <meta> CSP of the page."""
    import html

    found = []
    for content in re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', page):
        for directive in html.unescape(content).split(";"):
            if directive.strip().startswith("connect-src"):
                found.append(directive.split()[1:])
    return found


def test_24_12_every_uploaded_page_pins_connect_src_to_this_stacks_api_origins(tmp_path) -> None:
    from deploy import ui_config
    from tests.infra.conftest import ROOT

    for page in ("index.html", "docs.html"):
        (tmp_path / page).write_text((ROOT / "frontend" / page).read_text())
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_bytes(b"console.log('<head>')")
    files = dict(ui_config.ui_files(tmp_path, _OUTPUTS, "us-east-1"))
    assert files["assets/app.js"] == b"console.log('<head>')", "only pages change"
    for page in ("index.html", "docs.html"):
        (sources,) = _connect_src(files[page].decode())
        assert sources == [
            "'self'",
            "https://abc123defg.execute-api.us-east-1.amazonaws.com",
            "wss://ws987zyxwv.execute-api.us-east-1.amazonaws.com",
            "https://cognito-idp.us-east-1.amazonaws.com",
        ]
        assert not any("*" in s for s in sources)
        head = files[page].decode().lower()
        assert head.index("content-security-policy") < head.index("<script"), "before any script runs"


def test_24_12_a_custom_domain_gets_tls_1_2_and_the_default_domain_is_documented() -> None:
    from tests.infra.test_deploy_third_pass import _rule_failures

    def viewer(params: dict[str, str]) -> tuple[dict, object]:
        stack_ = Stack.with_params(params)
        config = stack_.evaluate(stack_.resources["Distribution"]["Properties"]["DistributionConfig"])
        return config["ViewerCertificate"], config.get("Aliases")

    cert = "arn:aws:acm:us-east-1:123456789012:certificate/abcd"
    custom = {"UiDomainName": "movies.example.com", "UiCertificateArn": cert, "AllowedOrigin": "https://movies.example.com"}
    certificate, aliases = viewer(custom)
    assert certificate == {"AcmCertificateArn": cert, "SslSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"}
    assert aliases == ["movies.example.com"]
    assert viewer({}) == ({"CloudFrontDefaultCertificate": True}, None)
    assert not _rule_failures(Stack.with_params(custom))
    assert _rule_failures(Stack.with_params({"UiDomainName": "movies.example.com"})), "needs its certificate and origin"
    assert _rule_failures(Stack.with_params({"UiCertificateArn": cert})), "a certificate for no domain"
    from tests.infra.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    assert "UiCertificateArn" in readme and "TLS 1.0" in readme


# --- 6: the mail quota ------------------------------------------------------------------------------------------


def test_24_6_the_firewall_limits_the_mail_sending_cognito_calls_per_ip_and_the_readme_says_what_protects_them() -> None:
    from tests.infra.conftest import ROOT

    (acl,) = _of_type(transformed_template_for("prod"), "AWS::WAFv2::WebACL").values()
    scoped = [
        r["Statement"]["RateBasedStatement"]
        for r in acl["Properties"]["Rules"]
        if "ScopeDownStatement" in r["Statement"].get("RateBasedStatement", {})
    ]
    assert len(scoped) == 1 and scoped[0]["AggregateKeyType"] == "IP" and scoped[0]["Limit"] <= 20
    statements = scoped[0]["ScopeDownStatement"]["OrStatement"]["Statements"]
    targets = {s["ByteMatchStatement"]["SearchString"] for s in statements}
    assert all(s["ByteMatchStatement"]["FieldToMatch"] == {"SingleHeader": {"Name": "x-amz-target"}} for s in statements)
    assert targets == {f"AWSCognitoIdentityProviderService.{a}" for a in ("SignUp", "ResendConfirmationCode", "ForgotPassword")}
    associations = _of_type(transformed_template_for("prod"), "AWS::WAFv2::WebACLAssociation").values()
    assert {"Fn::GetAtt": ["UserPool", "Arn"]} in [a["Properties"]["ResourceArn"] for a in associations]
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("**Sign-up mails and their quota.**") :][:3000]
    for needed in ("50 e-mails a day", "ForgotPassword", "SES", "sandbox", "AWS WAF", "SignUpMode"):
        assert needed in section, needed


# --- 5: case-insensitive usernames, without replacing an existing pool ------------------------------------------


def test_24_5_new_pools_are_case_insensitive_and_existing_ones_can_keep_theirs() -> None:
    def username_configuration(params: dict[str, str]) -> object:
        stack_ = Stack.with_params(params)
        (pool,) = stack_.of_type("AWS::Cognito::UserPool").values()
        return stack_.evaluate(pool["Properties"]).get("UsernameConfiguration")

    assert username_configuration({}) == {"CaseSensitive": False}
    # Absent, not {CaseSensitive: true}: any change to the property, even to its default, replaces the pool.
    assert username_configuration({"CaseSensitiveUsernames": "true"}) is None
    from tests.infra.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    assert "**Case-insensitive usernames.**" in readme and "CaseSensitiveUsernames" in readme


def test_24_17_interface_endpoints_reach_only_what_their_readers_read() -> None:
    endpoints = {n: e["Properties"] for n, e in _of_type(transformed_template_for("default"), "AWS::EC2::VPCEndpoint").items()}
    secrets = endpoints["SecretsManagerEndpoint"]["PolicyDocument"]["Statement"]
    assert [s["Action"] for s in secrets] == ["secretsmanager:GetSecretValue"]
    assert (
        "MasterUserSecret" in str(secrets)
        and "-??????" in str(secrets)
        and "*" not in str(secrets[0]["Resource"]).replace("??????", "")
    )
    sqs = endpoints["SqsEndpoint"]["PolicyDocument"]["Statement"]
    assert [(s["Action"], s["Resource"]) for s in sqs] == [("sqs:ChangeMessageVisibility", {"Fn::GetAtt": ["AddQueue", "Arn"]})]
