"""Layer 0, the schema: the config's shape (`config`), its checks (`checks`), the
distributions a value may be drawn from (`distributions`), and where the files a config
names are found (`files`). It imports nothing else of negsim."""
