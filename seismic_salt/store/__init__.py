"""The salt-probability store: a zarr group filled block by block, and its attributes.

:mod:`seismic_salt.store.layout` names the arrays and their codes;
:mod:`seismic_salt.store.create` makes an empty store atomically;
:mod:`seismic_salt.store.zarr` reads and writes blocks, markers and attributes;
:mod:`seismic_salt.store.integrity` checks a store holds what its markers say; and
:mod:`seismic_salt.store.schema` owns the attributes that say which run wrote a store
and whether it is complete.
"""
