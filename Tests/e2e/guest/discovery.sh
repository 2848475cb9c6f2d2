# mkpolicy's own view of the guest (the host checks it against the topology).
section discover mkpolicy discover --format json
