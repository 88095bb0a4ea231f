"""The README's idle-cost table names every resource type the template deploys that has a fixed price,
in every environment and option, and its totals add up."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.infra.conftest import ROOT, parameter_overrides, transform
from tests.infra.test_deploy_findings import _evaluate

# Types that cost money by the hour or month whether or not anyone uses them (us-east-1 price lists).
FIXED_PRICE_TYPES = {
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBProxy",
    "AWS::EC2::NatGateway",
    "AWS::EC2::EIP",
    "AWS::EC2::Instance",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElastiCache::CacheCluster",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::OpenSearchService::Domain",
    "AWS::KMS::Key",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::SecretsManager::Secret",
    "AWS::WAFv2::WebACL",
    "AWS::Route53::HostedZone",
    "AWS::EC2::TransitGateway",
    "AWS::Kinesis::Stream",
    "AWS::MSK::Cluster",
    "AWS::DocDB::DBCluster",
}

# Every option that adds a priced resource, on top of each environment's own overrides.
CASES = [
    ("staging", {}),
    ("prod", {}),
    ("prod", {"UseRdsProxy": "true", "DashboardCache": "true", "CreateApiGatewayAccountRole": "true"}),
]


def _cost_table() -> tuple[list[list[str]], str]:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("**What an idle stack costs**")
    lines = readme[start:].splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[first:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows, "\n".join(lines[first : first + len(rows)])


def _priced_types(params: dict[str, str]) -> set[str]:
    transformed = transform(params)
    found = set()
    for resource in transformed["Resources"].values():
        if "Condition" in resource and not _evaluate({"Condition": resource["Condition"]}, params, transformed):
            continue
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::EC2::VPCEndpoint" and props.get("VpcEndpointType", "Gateway") == "Gateway":
            continue  # gateway endpoints are free
        if kind == "AWS::ApiGateway::Stage":
            if _evaluate(props.get("CacheClusterEnabled", False), params, transformed) is True:
                found.add(kind)  # only the stage cache has an hourly price
            continue
        if kind == "AWS::DynamoDB::Table" and props.get("BillingMode") != "PAY_PER_REQUEST":
            found.add(kind)  # provisioned capacity
            continue
        if kind in FIXED_PRICE_TYPES:
            found.add(kind)
    return found


@pytest.mark.parametrize(("env", "extra"), CASES)
def test_cost_table_names_every_fixed_price_resource_type(env: str, extra: dict[str, str]) -> None:
    params = {**parameter_overrides(env), **extra}
    _, table = _cost_table()
    named = set(re.findall(r"`(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)`", table))
    missing = _priced_types(params) - named
    assert not missing, f"the README's idle-cost table has no row for {sorted(missing)} ({env} {extra})"


def test_cost_table_totals_add_up() -> None:
    rows, _ = _cost_table()
    header, body = rows[0], rows[2:]
    assert header[1:] == ["staging", "prod"]
    total = next(r for r in body if "total" in r[0])

    def dollars(cell: str) -> Decimal:
        match = re.search(r"\$(\d+(?:\.\d+)?)", cell)
        assert match, f"no price in {cell!r}"
        return Decimal(match.group(1))

    for column in (1, 2):
        items = sum(dollars(r[column]) for r in body if r is not total)
        assert items == dollars(total[column]), f"{header[column]}: rows add up to ${items}, the total says {total[column]}"
