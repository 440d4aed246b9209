"Fusion methods: one module per method notebook, discovered by `mmworkbench.model.list_fusions`."
