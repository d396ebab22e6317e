"""`make validate`: Rapid7's plugin validators (icon-validate), run offline on a Rust plugin.

`icon-validate .` runs every validator in one list, and four of them fetch something from the internet;
where that fails the whole run dies with a traceback and no summary. So this script calls the package's
own `validate()` with the list minus the validators named in SKIPPED, and prints the same summary line
("Plugin successfully validated!") or the same failure report. Exit status 0 only when every validator
that ran passed. Usage: python scripts/validate.py [PLUGIN_DIRECTORY]
"""

import json
import os
import sys

from icon_validator.exceptions import ValidationException
from icon_validator.rules import VALIDATORS
from icon_validator.rules.plugin_validators.json_validator import JSONValidator
from icon_validator.validate import validate

# Validator class name -> why it cannot run here. Anything not listed runs and must pass.
SKIPPED = {
    # Need the internet, which these machines and CI do not have.
    "VersionValidator": "asks Rapid7's extension catalogue for the published version (needs the internet)",
    "UnapprovedKeywordsValidator": "downloads the approved-keyword list (needs the internet)",
    "RuntimeValidator": "asks Docker Hub which base-image tags are current (needs the internet)",
    "VersionBumpValidator": "compares with the plugin repository's remote (needs the internet)",
    # Python-only: they inspect files a Rust plugin does not have.
    "VersionPinValidator": "wants requirements.txt with pinned Python packages; Cargo.lock pins ours",
    "RegenerationValidator": ".CHECKSUM hashes Python schema.py/bin or Go main.go files; "
    "the schemas_directory_is_fresh test guards ours",
    "OutputValidator": "reads output schemas out of Python schema.py files; "
    "the binary checks every output against schemas/ and the integration tests run it",
}


class NestedJSONValidator(JSONValidator):
    """JSONValidator's check (every .json under tests/ parses), reading each file where it is.

    The package's own walks tests/ but opens every file as if it sat in tests/ itself, so the contract
    fixtures in tests/fixtures/<group>/ crash it with FileNotFoundError.
    """

    def validate(self, spec):
        tests_dir = os.path.join(spec.directory, "tests")
        invalid = []
        for path, _, files in os.walk(tests_dir):
            for name in sorted(files):
                if name.endswith(".json"):
                    with open(os.path.join(path, name)) as test:
                        try:
                            json.load(test)
                        except json.decoder.JSONDecodeError:
                            invalid.append(os.path.relpath(os.path.join(path, name), tests_dir))
        if invalid:
            raise ValidationException(f"The following test files are not in proper JSON format: {invalid}")


def main() -> int:
    directory = sys.argv[1] if len(sys.argv) > 1 else "."
    known = {type(validator).__name__ for validator in VALIDATORS}
    stale = sorted(set(SKIPPED) - known)
    if stale:
        # A renamed validator would otherwise be skipped silently forever.
        print(f"scripts/validate.py skips validators this package no longer has: {stale}")
        return 1
    for name, reason in SKIPPED.items():
        print(f"[-] Skipping validator {name}: {reason}")
    running = [
        NestedJSONValidator() if type(validator) is JSONValidator else validator
        for validator in VALIDATORS
        if type(validator).__name__ not in SKIPPED
    ]
    return validate(directory, validators=running)


if __name__ == "__main__":
    sys.exit(main())
