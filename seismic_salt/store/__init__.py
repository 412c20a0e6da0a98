"""The salt-probability store: a zarr group filled block by block, and its attributes.

:mod:`seismic_salt.store.zarr` owns the layout (arrays, chunks, markers) and block
reads and writes; :mod:`seismic_salt.store.schema` owns the attributes that say which
run wrote a store and whether it is complete.
"""
