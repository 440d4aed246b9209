"Fusion methods: one module per method notebook, discovered by `mmworkbench.core.list_fusions`."
