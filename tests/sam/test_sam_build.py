"""Plain `sam build` (real SAM CLI, samconfig.toml) builds the Lambda@Edge bundle in the
repository: it runs `make build-GuardFunction` there, copies nothing of the repository (so never
its multi-GB target/, nor anything a test left in it), and the artifact is exactly the bundle,
recording the config it was built from."""

import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from samcli.yamlhelper import yaml_parse

from samcli_harness import ROOT

# The sam of the venv running these tests (.venv-sam).
SAM = str(Path(sys.executable).parent / "sam")
BUNDLE_FILES = ["config.json", "edgeguard.wasm", "index.mjs", "manifest.json"]


def sam_build(*args):
    """Runs `sam build ARGS` from the repository root into a scratch build directory; returns
    (the completed process, the build directory). The caller cleans up the directory."""
    build_dir = tempfile.mkdtemp(prefix="edgeguard-sam-build-")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    run = subprocess.run(
        [SAM, "build", *args, "--build-dir", build_dir], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return run, Path(build_dir)


def config_digest(config):
    run = subprocess.run(
        [str(ROOT / "target/debug/edgeguard"), "config", "digest", config],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return run.stdout.strip()


class PlainSamBuild(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.build, cls.build_dir = sam_build()
        cls.addClassCleanup(subprocess.run, ["rm", "-rf", str(cls.build_dir)], check=True)

    def test_succeeds(self):
        self.assertEqual(self.build.returncode, 0, self.build.stdout + self.build.stderr)
        self.assertIn("Build Succeeded", self.build.stdout + self.build.stderr)

    def test_runs_make_in_the_repository_and_copies_no_source(self):
        output = self.build.stdout + self.build.stderr
        self.assertIn("Running CustomMakeBuilder:MakeBuild", output)
        self.assertNotIn("CopySource", output)

    def test_the_artifact_is_exactly_the_edge_bundle(self):
        artifact = self.build_dir / "GuardFunction"
        self.assertEqual(sorted(p.name for p in artifact.iterdir()), BUNDLE_FILES)
        for name in BUNDLE_FILES:
            self.assertEqual((artifact / name).read_bytes(), (ROOT / "build/edge" / name).read_bytes(), name)

    def test_the_artifact_records_that_it_was_built_from_guard_toml(self):
        manifest = json.loads((self.build_dir / "GuardFunction/manifest.json").read_text())
        self.assertEqual(manifest, {"config": "guard.toml", "config_sha256": config_digest("guard.toml"), "wasm_features": []})

    def test_the_built_template_points_the_function_at_the_artifact(self):
        built = yaml_parse((self.build_dir / "template.yaml").read_text())
        self.assertEqual(built["Resources"]["GuardFunction"]["Properties"]["CodeUri"], "GuardFunction")
        self.assertIn("CacheBehaviors", built["Resources"]["Distribution"]["Properties"]["DistributionConfig"])


class GuardOnlySamBuild(unittest.TestCase):
    def test_builds_the_guard_only_template_with_the_same_bundle(self):
        run, build_dir = sam_build("--config-env", "guard")
        self.addCleanup(subprocess.run, ["rm", "-rf", str(build_dir)], check=True)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertEqual(sorted(p.name for p in (build_dir / "GuardFunction").iterdir()), BUNDLE_FILES)
        built = yaml_parse((build_dir / "template.yaml").read_text())
        self.assertEqual(sorted(built["Resources"]), ["GuardCloudFrontFunction", "GuardFunction", "GuardRole"])
        self.assertEqual(sorted(built["Outputs"]), ["GuardCloudFrontFunctionArn", "GuardFunctionVersionArn"])


if __name__ == "__main__":
    unittest.main()
