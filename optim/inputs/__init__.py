"""Inputs: what an instance is (`Instance`), how it is read and checked.

Layer below the model: nothing here knows of variables, rows or solvers.

- `schema`: one `Field` per column or key (type, default, range);
- `instance`: the `Instance` dataclass (tables as DataFrames, policy settings);
- `document`, `csvfile`, `coerce`, `reader`: YAML and CSV in, values coerced
  against the schema, every problem reported with its place;
- `validate`: small named cross-checks of a typed instance;
- `scenarios`: named overrides of a base instance;
- `limits`: input size limits and safe reading of untrusted files.
"""
