"""Large results reach Python as Arrow without a copy: the pyarrow table holds kqlite's own
buffers, so pyarrow allocates nothing and the process grows by no second copy."""

import resource
import subprocess
import sys
import textwrap


def test_ten_million_rows_arrive_without_a_copy():
    # A process of its own, so the peak measured is this query's.
    script = textwrap.dedent(
        """
        import resource, pyarrow as pa, pyarrow.compute as pc, kqlite
        def peak_mb():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        session = kqlite.connect()
        # pyarrow's first import of a stream maps in code pages: not what is measured.
        session.query("print x = 1").to_arrow()
        result = session.query("range x from 1 to 10000000 step 1 | extend y = x * 2")
        before_peak, before_pool = peak_mb(), pa.total_allocated_bytes()
        table = result.to_arrow()
        assert table.num_rows == 10_000_000, table.num_rows
        assert pc.max(table.column("y")).as_py() == 20_000_000
        size_mb = table.nbytes / 2**20
        print(f"{size_mb:.0f} {before_peak:.0f} {peak_mb():.0f} {pa.total_allocated_bytes() - before_pool}")
        """
    )
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    size_mb, before_mb, after_mb, pool_bytes = (float(v) for v in out.stdout.split())
    print(f"\n10M rows: table {size_mb:.0f} MB; peak {before_mb:.0f} MB before to_arrow, "
          f"{after_mb:.0f} MB after; pyarrow allocated {pool_bytes:.0f} bytes")
    assert size_mb >= 150
    assert pool_bytes == 0
    assert after_mb - before_mb < size_mb / 10
