"""SQL storage: tables, the engine, migrations, and one module of queries per area."""
