"""Stand-in for ansible-test's get-pip bootstrap: ensurepip, then pip installs the requested packages."""

import subprocess
import sys

subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade"], check=True, stdout=subprocess.DEVNULL)
args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.run([sys.executable, "-m", "pip", "install"] + args, check=False).returncode)
