"""Writes bench e's AnnData (the reference peer's bench_e_anndata.py: 100,000 × 2,000 sparse
CSR float32 at 5 %, categorical obs cell_type / donor, gene symbols as var index) as h5ad, for
`LAMINDB_BENCH_ANNDATA=PATH cargo bench -p lamindb-tests --bench anndata`:

    ../shared/peer/python-lamindb/venv/bin/python tests/scripts/make-bench-anndata.py OUT.h5ad
"""
import sys

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

NC, NG, R = 100_000, 2_000, 0
rng = np.random.default_rng(R)
k = NG // 20
indices = (rng.integers(0, 20, NC)[:, None] + 20 * np.arange(k)[None, :]).astype(np.int32).ravel()
indptr = np.arange(0, NC * k + 1, k, dtype=np.int64)
X = sp.csr_matrix((rng.random(NC * k, dtype=np.float32) * 10, indices, indptr), shape=(NC, NG))
cts = [f"celltype_{j:02d}" for j in range(20)]
donors = [f"donor_{j}" for j in range(10)]
adata = ad.AnnData(
    X=X,
    obs=pd.DataFrame(
        {
            "cell_type": pd.Categorical.from_codes(rng.integers(0, 20, NC), cts),
            "donor": pd.Categorical.from_codes(rng.integers(0, 10, NC), donors),
        },
        index=[f"cell{i}" for i in range(NC)],
    ),
    var=pd.DataFrame(index=[f"GENE{j:05d}" for j in range(NG)]),
)
adata.write_h5ad(sys.argv[1])
