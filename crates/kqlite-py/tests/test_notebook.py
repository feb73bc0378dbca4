"""The example notebook runs headless (nbconvert --execute) without an error, shows the
`render` chart as SVG and the results as tables."""

import json
import subprocess
import sys

from conftest import REPO

NOTEBOOK = REPO / "crates" / "kqlite-py" / "examples" / "hunting.ipynb"


def test_the_example_notebook_runs(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=120", "--output-dir", str(tmp_path), str(NOTEBOOK)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    executed = json.loads((tmp_path / NOTEBOOK.name).read_text())
    outputs = [o for cell in executed["cells"] if cell["cell_type"] == "code" for o in cell["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    kinds = {kind for o in outputs for kind in o.get("data", {})}
    assert "image/svg+xml" in kinds
    assert "text/html" in kinds
    shown = "".join(o.get("data", {}).get("text/plain", "") if isinstance(o.get("data", {}).get("text/plain"), str)
                    else "".join(o.get("data", {}).get("text/plain", [])) for o in outputs)
    assert "resigned" in shown
