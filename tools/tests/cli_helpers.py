"""What the CLI tests share: running an `xfv` task and checking a refused run."""
import subprocess


def run_task(xfv, task, tmp_path, args, out_name):
    out = tmp_path / out_name
    r = subprocess.run([xfv, task, *args, "--out", str(out)], capture_output=True, text=True)
    return r, out


def expect_error(result, out, *fragments):
    """A non-zero exit, each fragment in the message, and no output nor temporary file."""
    assert result.returncode != 0, result.stdout
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if ".tmp" in p.name]
