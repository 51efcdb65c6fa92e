#!/usr/bin/env python3
"""scripts/oss_fuzz_check.py must fail when the files it guards are wrong:
each test breaks one thing in a copy of the project and expects the check
to name it, after the untouched copy passes. One test builds for real, with
a build.sh that drops $CFLAGS, and expects the instrumentation check to
catch it."""
import os
import re
import shutil
import sys
import tempfile
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "scripts"))
import oss_fuzz_check as ofc  # noqa: E402

REPO = ofc.ROOT
FILES = ["Dockerfile", ".dockerignore", "oss-fuzz", ".clusterfuzzlite",
         ".github", "scripts/deps.sh"]


class Static(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="ofc-test-")
        for f in FILES:
            src, dst = os.path.join(REPO, f), os.path.join(self.root, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if os.path.isdir(src):
                shutil.copytree(src, dst)
            else:
                shutil.copy(src, dst)
        self.saved = ofc.ROOT
        ofc.ROOT = self.root

    def tearDown(self):
        ofc.ROOT = self.saved
        shutil.rmtree(self.root)

    def edit(self, rel, old, new, count=1):
        path = os.path.join(self.root, rel)
        text = open(path).read()
        self.assertIn(old, text, f"{rel}: the test's anchor moved")
        open(path, "w").write(text.replace(old, new, count))

    def failures(self):
        c = ofc.Checker()
        ofc.check_project_files(c)
        ofc.check_workflows(c)
        return c.failures

    def expect(self, pattern):
        f = self.failures()
        self.assertTrue(any(re.search(pattern, x) for x in f),
                        f"no failure matching {pattern!r} in {f}")

    def test_untouched_copy_passes(self):
        self.assertEqual(self.failures(), [])

    def test_dockerfile_missing_a_package(self):
        self.edit("Dockerfile", "clang libclang-rt-14-dev python3",
                  "clang python3")
        self.expect(r"^Dockerfile: installs")

    def test_deps_sh_gains_a_package_the_image_lacks(self):
        self.edit("scripts/deps.sh", "clang-format-14", "clang-format-14 zip")
        self.expect(r"^Dockerfile: installs")

    def test_builder_dockerfile_extra_package(self):
        self.edit("oss-fuzz/Dockerfile", "python3 ", "python3 cmake ")
        self.expect(r"^oss-fuzz/Dockerfile: installs")

    def test_recommends_installed(self):
        self.edit(".clusterfuzzlite/Dockerfile", "--no-install-recommends ", "")
        self.expect(r"--no-install-recommends")

    def test_no_default_command(self):
        self.edit("Dockerfile", 'CMD ["./run"]', "")
        self.expect(r"default command")

    def test_clone_url_differs_from_main_repo(self):
        self.edit("oss-fuzz/Dockerfile", "github.com/smtp-reply-harness/",
                  "github.com/someone-else/")
        self.expect(r"clones main_repo")

    def test_build_sh_not_copied(self):
        self.edit(".clusterfuzzlite/Dockerfile",
                  "COPY .clusterfuzzlite/build.sh $SRC/", "")
        self.expect(r"COPY build.sh")

    def test_cflite_checkout_not_copied(self):
        self.edit(".clusterfuzzlite/Dockerfile",
                  "COPY . $SRC/smtp-reply-harness\n", "")
        self.expect(r"copies the checkout")

    def test_sanitizer_not_built_here(self):
        self.edit("oss-fuzz/project.yaml", "  - memory\n",
                  "  - memory\n  - thread\n")
        self.expect(r"sanitizers")

    def test_run_fuzzers_without_token(self):
        self.edit(".github/workflows/cflite_batch.yml",
                  "          github-token: ${{ secrets.GITHUB_TOKEN }}\n", "")
        self.expect(r"cflite_batch.yml: BatchFuzzing: run_fuzzers has "
                    r"github-token")

    def test_unknown_mode(self):
        self.edit(".github/workflows/cflite_batch.yml", "mode: batch",
                  "mode: batchh")
        self.expect(r"mode batchh")
        self.expect(r"^batch runs on a schedule")

    def test_unknown_input(self):
        self.edit(".github/workflows/cflite_pr.yml", "fuzz-seconds:",
                  "fuzz-second:")
        self.expect(r"inputs \['fuzz-second'\] are not the action's")

    def test_coverage_run_on_address_build(self):
        self.edit(".github/workflows/cflite_cron.yml",
                  "          sanitizer: coverage\n", "", 1)
        self.expect(r"run and build use one sanitizer")

    def test_pr_fuzzing_not_on_pull_requests(self):
        self.edit(".github/workflows/cflite_pr.yml", "  pull_request:",
                  "  push:")
        self.expect(r"code-change fuzzing runs on pull requests")

    def test_yaml_error(self):
        self.edit(".github/workflows/cflite_cron.yml", "\njobs:\n",
                  "\njobs: [\n")
        self.expect(r"cflite_cron.yml: does not parse")

    def test_bad_cron(self):
        self.edit(".github/workflows/cflite_cron.yml", "'0 3 * * *'",
                  "'0 3 * *'")
        self.expect(r"five fields")


class Artifacts(unittest.TestCase):
    def setUp(self):
        self.out = tempfile.mkdtemp(prefix="ofc-out-")
        self.name = "fuzz_parse"

    def tearDown(self):
        shutil.rmtree(self.out)

    def write(self, suffix, text, mode="w"):
        with open(os.path.join(self.out, self.name + suffix), mode) as f:
            f.write(text)

    def zip(self, entries):
        with zipfile.ZipFile(os.path.join(
                self.out, f"{self.name}_seed_corpus.zip"), "w") as z:
            for n, data in entries.items():
                z.writestr(n, data)

    def check(self):
        c = ofc.Checker()
        ofc.check_artifacts(c, self.out, self.name)
        return c.failures

    def good(self):
        self.zip({"a": b"250 ok\r\n"})
        self.write(".options", "[libfuzzer]\nmax_len = 1024\n"
                   f"dict = {self.name}.dict\n")
        self.write(".dict", '# words\ncrlf="\\x0d\\x0a"\n"250"\n')

    def test_good_passes(self):
        self.good()
        self.assertEqual(self.check(), [])

    def test_dictionary_bad_escape(self):
        self.good()
        self.write(".dict", 'ok="250"\nbad="\\q"\n')
        self.assertTrue(any("bad" in f and "line 2" in f
                            for f in self.check()), self.check())

    def test_dictionary_missing(self):
        self.good()
        os.remove(os.path.join(self.out, self.name + ".dict"))
        self.assertTrue(any(".dict" in f for f in self.check()))

    def test_unknown_libfuzzer_flag(self):
        self.good()
        self.write(".options", "[libfuzzer]\nmax_lenn = 1024\n")
        self.assertTrue(any("max_lenn" in f for f in self.check()))

    def test_options_not_ini(self):
        self.good()
        self.write(".options", "max_len=1024\n")
        self.assertTrue(any(".options" in f for f in self.check()))

    def test_zip_with_folders(self):
        self.good()
        self.zip({"sub/a": b"250 ok\r\n"})
        self.assertTrue(any("flat" in f for f in self.check()))

    def test_zip_empty(self):
        self.good()
        self.zip({})
        self.assertTrue(any("flat" in f for f in self.check()))


class Build(unittest.TestCase):
    def test_build_ignoring_cflags_is_caught(self):
        """A build.sh that drops $CFLAGS builds and runs, but without ASan
        or libFuzzer's counters: the instrumentation checks must say so."""
        tmp = tempfile.mkdtemp(prefix="ofc-build-")
        try:
            src = os.path.join(tmp, "src")
            tree = os.path.join(src, ofc.NAME)
            shutil.copytree(REPO, tree, symlinks=True,
                            ignore=shutil.ignore_patterns("build", ".git"))
            b = os.path.join(tree, "oss-fuzz", "build.sh")
            text = open(b).read()
            self.assertIn("$CC $CFLAGS", text)
            open(b, "w").write(text.replace("$CC $CFLAGS", "$CC"))

            class A:
                runs = 100
                afl_seconds = 1
            c = ofc.Checker()
            ofc.check_combo(c, "libfuzzer", "address", "cflite", tmp, src,
                            A())
            self.assertTrue(any("own code is instrumented" in f
                                for f in c.failures), c.failures)
            self.assertTrue(any("edges instrumented" in f
                                for f in c.failures), c.failures)
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main(verbosity=2)
