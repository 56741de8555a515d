"""The deploy commands the README gives reach `sam deploy` with the signer's public key whole.

SAM's --parameter-overrides parser (CfnParameterOverridesType) splits `Key=Value` pairs on
spaces unless the value is wrapped in quotes that reach SAM itself, so the shell's own quotes in
SignerPublicKeyPem="$(cat keys/signer.pem)" are not enough: SAM then sees `-----BEGIN` and the rest
of the PEM as stray words. These tests run the real SAM CLI parser (and samconfig.toml) on the
README's commands, evaluated by bash as a user's shell would.
"""

import subprocess
import unittest

import samcli.commands.build.command as build_command
import samcli.commands.deploy.command as deploy_command

from samcli_harness import ROOT, built_project, parsed_arguments, readme_commands, shell_words

RSA_PEM = (ROOT / "keys" / "K2JCJMDEHXQW5F.pem").read_text()
ECDSA_PEM = (ROOT / "keys" / "K3ECDSAP256DEMO.pem").read_text()


def deploy_arguments(command, pem):
    """What `sam deploy` would run with for COMMAND (as written in the README) when
    keys/signer.pem holds PEM."""
    argv = shell_words(command, {"keys/signer.pem": pem})
    assert argv[:2] == ["sam", "deploy"], argv
    with built_project() as project:
        return parsed_arguments(deploy_command, argv[1:], cwd=project)


class ReadmeDeployCommands(unittest.TestCase):
    def test_the_readme_gives_deploy_commands_with_the_signer_key(self):
        with_key = [c for c in readme_commands("sam deploy") if "SignerPublicKeyPem" in c]
        self.assertGreaterEqual(len(with_key), 2, readme_commands("sam deploy"))

    def test_every_readme_deploy_command_passes_the_whole_pem_of_an_rsa_key(self):
        for command in readme_commands("sam deploy"):
            if "SignerPublicKeyPem" not in command:
                continue
            with self.subTest(command=command):
                overrides = deploy_arguments(command, RSA_PEM)["parameter_overrides"]
                self.assertEqual(overrides["SignerPublicKeyPem"], RSA_PEM.rstrip("\n"))

    def test_every_readme_deploy_command_passes_the_whole_pem_of_an_ecdsa_key(self):
        for command in readme_commands("sam deploy"):
            if "SignerPublicKeyPem" not in command:
                continue
            with self.subTest(command=command):
                overrides = deploy_arguments(command, ECDSA_PEM)["parameter_overrides"]
                self.assertEqual(overrides["SignerPublicKeyPem"], ECDSA_PEM.rstrip("\n"))

    def test_make_deploy_with_signer_pem_passes_the_whole_pem_and_the_runtime(self):
        dry_run = subprocess.run(
            ["make", "--no-print-directory", "-n", "deploy", "SIGNER_PEM=keys/signer.pem", "GUARD_RUNTIME=cloudfront-functions"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )
        deploy_line = [line for line in dry_run.stdout.splitlines() if " deploy " in line][-1]
        # The recipe runs SAM through `env -u EDGEGUARD_DEMO` (never a demo): what reaches SAM is
        # everything after its `deploy` subcommand.
        command = "sam deploy " + deploy_line.split(" deploy ", 1)[1]
        overrides = deploy_arguments(command, ECDSA_PEM)["parameter_overrides"]
        self.assertEqual(overrides, {"GuardRuntime": "cloudfront-functions", "SignerPublicKeyPem": ECDSA_PEM.rstrip("\n")})

    def test_other_overrides_beside_the_key_keep_their_values(self):
        command = 'sam deploy --parameter-overrides "SignerPublicKeyPem=\\"$(cat keys/signer.pem)\\"" EnforceKeyGroups=true GuardRuntime=lambda-edge'
        overrides = deploy_arguments(command, RSA_PEM)["parameter_overrides"]
        self.assertEqual(
            overrides,
            {"SignerPublicKeyPem": RSA_PEM.rstrip("\n"), "EnforceKeyGroups": "true", "GuardRuntime": "lambda-edge"},
        )

    def test_the_old_readme_command_loses_the_key_after_its_first_word(self):
        command = 'sam deploy --parameter-overrides SignerPublicKeyPem="$(cat keys/signer.pem)"'
        overrides = deploy_arguments(command, RSA_PEM)["parameter_overrides"]
        self.assertEqual(overrides["SignerPublicKeyPem"], "-----BEGIN")


class Samconfig(unittest.TestCase):
    def test_plain_sam_deploy_targets_us_east_1_with_iam_capability_a_managed_bucket_and_a_change_set_to_confirm(self):
        with built_project() as project:
            args = parsed_arguments(deploy_command, ["deploy"], cwd=project)
        self.assertEqual(args["region"], "us-east-1")
        self.assertEqual(args["stack_name"], "edgeguard")
        self.assertEqual(list(args["capabilities"]), ["CAPABILITY_IAM"])
        self.assertTrue(args["resolve_s3"])
        self.assertTrue(args["confirm_changeset"])
        self.assertTrue(args["template_file"].endswith(".aws-sam/build/template.yaml"), args["template_file"])

    def test_the_guard_environment_deploys_the_guard_only_build_as_its_own_stack(self):
        with built_project() as project:
            args = parsed_arguments(deploy_command, ["deploy", "--config-env", "guard"], cwd=project)
        self.assertEqual(args["stack_name"], "edgeguard-guard")
        self.assertEqual(args["region"], "us-east-1")
        self.assertEqual(list(args["capabilities"]), ["CAPABILITY_IAM"])
        self.assertTrue(args["template_file"].endswith(".aws-sam/guard/template.yaml"), args["template_file"])

    def test_plain_sam_build_builds_template_yaml_in_source(self):
        args = parsed_arguments(build_command, ["build"])
        self.assertTrue(args["template"].endswith("/template.yaml"), args["template"])
        self.assertTrue(args["build_in_source"])

    def test_the_guard_environment_builds_template_guard_yaml_into_its_own_directory(self):
        args = parsed_arguments(build_command, ["build", "--config-env", "guard"])
        self.assertTrue(args["template"].endswith("/template-guard.yaml"), args["template"])
        self.assertTrue(args["build_dir"].endswith(".aws-sam/guard"), args["build_dir"])
        self.assertTrue(args["build_in_source"])


if __name__ == "__main__":
    unittest.main()
