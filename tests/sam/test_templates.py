"""What the SAM templates deploy for given parameters, after the real SAM transform
(samtranslator, as `sam deploy` has CloudFormation run it): the full stack's guarded cache
behaviors (default + GuardedPathPatterns) and the guard-only stack's resources and outputs."""

import os
import unittest

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform

from cfn_eval import Stack
from samcli_harness import ROOT


class _NoManagedPolicies:
    """The templates name managed policies by ARN, so the transform needs no IAM look-up."""

    def load(self):
        return {}


def transformed(name):
    """TEMPLATE after the SAM transform, its CodeUri as `sam package` leaves it (an S3 URI)."""
    text = (ROOT / name).read_text().replace("CodeUri: lambda-edge/", "CodeUri: s3://bucket/guard.zip")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return transform(yaml_parse(text), {}, _NoManagedPolicies())


FULL = transformed("template.yaml")
GUARD_ONLY = transformed("template-guard.yaml")
VERSION = next(k for k, v in FULL["Resources"].items() if v["Type"] == "AWS::Lambda::Version")
LAMBDA_GUARD = [{"EventType": "viewer-request", "LambdaFunctionARN": {"Ref": VERSION}}]
CFF_GUARD = [{"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": ["GuardCloudFrontFunction", "FunctionMetadata.FunctionARN"]}}]


def distribution(**parameters):
    resources = Stack(FULL, parameters).resources()
    return resources, resources["Distribution"]["DistributionConfig"]


class GuardedPathPatterns(unittest.TestCase):
    def test_by_default_only_the_default_behavior_exists_and_carries_the_lambda_guard(self):
        resources, config = distribution()
        self.assertEqual(config["CacheBehaviors"], [])
        self.assertEqual(config["DefaultCacheBehavior"]["LambdaFunctionAssociations"], LAMBDA_GUARD)
        self.assertNotIn("FunctionAssociations", config["DefaultCacheBehavior"])
        self.assertNotIn("AtMostFourGuardedPathPatterns", resources)

    def test_each_listed_pattern_gets_a_guarded_behavior_in_the_order_given(self):
        _, config = distribution(GuardedPathPatterns="/images/*,/media/*")
        self.assertEqual([b["PathPattern"] for b in config["CacheBehaviors"]], ["/images/*", "/media/*"])
        for behavior in config["CacheBehaviors"]:
            self.assertEqual(behavior["LambdaFunctionAssociations"], LAMBDA_GUARD)
            self.assertNotIn("FunctionAssociations", behavior)

    def test_spaces_around_the_commas_are_trimmed_like_cloudformation_does(self):
        _, config = distribution(GuardedPathPatterns=" /images/* ,  /media/*")
        self.assertEqual([b["PathPattern"] for b in config["CacheBehaviors"]], ["/images/*", "/media/*"])

    def test_an_extra_behavior_has_exactly_the_default_behaviors_settings(self):
        for parameters in [{}, {"GuardRuntime": "cloudfront-functions"},
                           {"SignerPublicKeyPem": "PEM", "EnforceKeyGroups": "true"}]:
            with self.subTest(**parameters):
                _, config = distribution(GuardedPathPatterns="/a/*,/b/*,/c/*,/d/*", **parameters)
                for behavior in config["CacheBehaviors"]:
                    self.assertEqual({k: v for k, v in behavior.items() if k != "PathPattern"},
                                     config["DefaultCacheBehavior"])

    def test_with_the_cloudfront_functions_runtime_every_behavior_gets_the_function_instead(self):
        _, config = distribution(GuardedPathPatterns="/images/*", GuardRuntime="cloudfront-functions")
        for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
            self.assertEqual(behavior["FunctionAssociations"], CFF_GUARD)
            self.assertNotIn("LambdaFunctionAssociations", behavior)

    def test_enforced_key_groups_apply_to_every_guarded_behavior(self):
        _, config = distribution(GuardedPathPatterns="/private/*", SignerPublicKeyPem="PEM", EnforceKeyGroups="true")
        for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
            self.assertEqual(behavior["TrustedKeyGroups"], [{"Ref": "SignerKeyGroup"}])

    def test_four_patterns_are_four_behaviors_and_deploy(self):
        resources, config = distribution(GuardedPathPatterns="/a/*,/b/*,/c/*,/d/*")
        self.assertEqual([b["PathPattern"] for b in config["CacheBehaviors"]], ["/a/*", "/b/*", "/c/*", "/d/*"])
        self.assertNotIn("AtMostFourGuardedPathPatterns", resources)

    def test_a_fifth_pattern_creates_the_unsignalled_wait_condition_that_fails_the_deployment(self):
        resources, _ = distribution(GuardedPathPatterns="/a/*,/b/*,/c/*,/d/*,/e/*")
        self.assertIn("AtMostFourGuardedPathPatterns", resources)
        wait = FULL["Resources"]["AtMostFourGuardedPathPatterns"]
        self.assertEqual(wait["Type"], "AWS::CloudFormation::WaitCondition")
        self.assertEqual(wait["CreationPolicy"]["ResourceSignal"]["Count"], 1)


class GuardOnlyStack(unittest.TestCase):
    def test_by_default_it_is_the_role_the_function_and_its_published_version(self):
        stack = Stack(GUARD_ONLY)
        types = sorted(GUARD_ONLY["Resources"][name]["Type"] for name in stack.resources())
        self.assertEqual(types, ["AWS::IAM::Role", "AWS::Lambda::Alias", "AWS::Lambda::Function", "AWS::Lambda::Version"])
        version = next(k for k, v in GUARD_ONLY["Resources"].items() if v["Type"] == "AWS::Lambda::Version")
        self.assertEqual(stack.outputs(), {"GuardFunctionVersionArn": {"Ref": version}})

    def test_the_function_is_a_node22_x86_128mb_5s_lambda_edge_function_without_environment(self):
        function = Stack(GUARD_ONLY).resources()["GuardFunction"]
        self.assertEqual(
            (function["Runtime"], function["Architectures"], function["MemorySize"], function["Timeout"]),
            ("nodejs22.x", ["x86_64"], 128, 5),
        )
        self.assertNotIn("Environment", function)
        self.assertEqual(function["Handler"], "index.handler")

    def test_the_role_is_assumable_by_lambda_and_lambda_at_edge(self):
        role = Stack(GUARD_ONLY).resources()["GuardRole"]
        services = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
        self.assertEqual(sorted(services), ["edgelambda.amazonaws.com", "lambda.amazonaws.com"])

    def test_with_the_cloudfront_functions_runtime_it_is_only_the_function(self):
        stack = Stack(GUARD_ONLY, {"GuardRuntime": "cloudfront-functions"})
        self.assertEqual(sorted(stack.resources()), ["GuardCloudFrontFunction"])
        self.assertEqual(
            stack.outputs(),
            {"GuardCloudFrontFunctionArn": {"Fn::GetAtt": ["GuardCloudFrontFunction", "FunctionMetadata.FunctionARN"]}},
        )

    def test_the_guard_is_the_same_as_the_full_stacks(self):
        for name in ["GuardRole", "GuardFunction", "GuardCloudFrontFunction"]:
            with self.subTest(resource=name):
                self.assertEqual(
                    {k: v for k, v in GUARD_ONLY["Resources"][name].items() if k != "Condition"},
                    {k: v for k, v in FULL["Resources"][name].items() if k != "Condition"},
                )


if __name__ == "__main__":
    unittest.main()


class AccessLogging(unittest.TestCase):
    def test_by_default_the_distribution_logs_nothing_and_no_log_bucket_exists(self):
        resources, config = distribution()
        self.assertNotIn("Logging", config)
        self.assertNotIn("AccessLogBucket", resources)
        self.assertNotIn("AccessLogBucketName", Stack(FULL, {}).outputs())

    def test_standard_logs_into_the_stacks_log_bucket_with_cookies_for_replay(self):
        resources, config = distribution(AccessLogging="standard")
        self.assertEqual(config["Logging"], {
            "Bucket": {"Fn::GetAtt": ["AccessLogBucket", "DomainName"]},
            "Prefix": "cloudfront/",
            "IncludeCookies": True,
        })
        self.assertIn("AccessLogBucketName", Stack(FULL, {"AccessLogging": "standard"}).outputs())

    def test_the_log_bucket_allows_the_acl_cloudfront_writes_with_and_nothing_public(self):
        resources, _ = distribution(AccessLogging="standard")
        bucket = resources["AccessLogBucket"]
        self.assertEqual(bucket["OwnershipControls"], {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
        self.assertEqual(set(bucket["PublicAccessBlockConfiguration"].values()), {True})
        self.assertEqual(
            bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"],
            {"SSEAlgorithm": "AES256"})

    def test_log_files_expire_after_the_retention_days(self):
        for days in [30, 7]:
            with self.subTest(days=days):
                parameters = {"AccessLogging": "standard"}
                if days != 30:
                    parameters["AccessLogRetentionDays"] = days
                resources, _ = distribution(**parameters)
                rules = resources["AccessLogBucket"]["LifecycleConfiguration"]["Rules"]
                self.assertEqual([r["ExpirationInDays"] for r in rules], [days])

    def test_only_none_and_standard_are_accepted(self):
        self.assertEqual(FULL["Parameters"]["AccessLogging"]["AllowedValues"], ["none", "standard"])
        self.assertEqual(FULL["Parameters"]["AccessLogging"]["Default"], "none")
