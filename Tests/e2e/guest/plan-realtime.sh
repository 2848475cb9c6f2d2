# Boot parameters, first boot: plan the realtime policy (this boot was given
# 2 MiB huge pages on every node, which the plan then places).
section plan mkpolicy plan /e2e/files/realtime.yaml --format json
