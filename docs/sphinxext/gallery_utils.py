"""Helpers of the sphinx-gallery configuration (importable by name, so that
Sphinx can pickle the configuration)."""


def reset_blas_threads(gallery_conf, fname, when):
    """Run every example with one BLAS thread.

    The examples multiply small matrices (8 x 8 digits, a few hundred units),
    where several BLAS threads on a busy machine are many times slower than
    one; one thread also makes the numbers on the pages reproducible. People
    who run the scripts themselves keep their default.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
