"""Execute one notebook headless with nbclient (the engine of `jupyter nbconvert --execute`).

    python3 execute.py IN.ipynb OUT.ipynb [--kernel deno] [--timeout 1200]

Why not the nbconvert command itself: the Deno kernel (2.9) sometimes sends a cell's last stream or
display messages *after* its `status: idle` message (measured: about 1 run in 6 for
`console.log(…); console.log(…); 42`). nbclient stops listening to a cell at `idle`, so those outputs
were silently dropped, and with them the `claim:` lines the runner checks. This client keeps reading
the cell's own messages (matched by parent msg_id) until the kernel has been quiet for GRACE seconds
after `idle`. Everything else is stock nbclient: a cell error stops the run and exits 1.
"""
import os
import queue
import sys

import nbformat
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError

GRACE = float(os.environ.get("BACKPROP_NOTEBOOK_GRACE_S", "0.5"))


class GraceClient(NotebookClient):
    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        assert self.kc is not None
        idle = False
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=GRACE if idle else None))
            except queue.Empty:
                return  # quiet for GRACE seconds after idle: the cell's output is complete
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                idle = True


def main(argv):
    kernel, timeout, rest = "deno", 1200, []
    it = iter(argv)
    for a in it:
        if a == "--kernel":
            kernel = next(it)
        elif a == "--timeout":
            timeout = int(next(it))
        else:
            rest.append(a)
    if len(rest) != 2:
        print("usage: execute.py IN.ipynb OUT.ipynb [--kernel NAME] [--timeout SECONDS]", file=sys.stderr)
        return 2
    src, dst = rest
    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:  # a clean state: no outputs from an earlier run
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = GraceClient(
        nb, kernel_name=kernel, timeout=timeout, iopub_timeout=max(4, 4 * GRACE),
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}},
    )
    code = 0
    try:
        client.execute()
    except CellExecutionError as e:
        print(str(e), file=sys.stderr)
        code = 1
    nbformat.write(nb, dst)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
