extension Topology {
  /// The same topology with every array in its canonical order (by id, CPU,
  /// page size, PCI address, name, IRQ number). Snapshots are written from
  /// this form, which is what makes them byte-identical for the same host.
  public func canonicalized() -> Topology {
    var copy = self
    copy.packages = packages.sorted { $0.id < $1.id }.map { package in
      var package = package
      package.dies = package.dies.sorted { $0.id < $1.id }.map { die in
        var die = die
        die.nodes = die.nodes.sorted { $0.id < $1.id }.map { $0.canonicalized() }
        return die
      }
      return package
    }
    copy.devices = devices.sorted { $0.pciAddress < $1.pciAddress }.map { device in
      var device = device
      device.children = device.children.sorted {
        ($0.name, $0.kind.rawValue) < ($1.name, $1.kind.rawValue)
      }
      device.irqs = device.irqs.sorted { $0.irq < $1.irq }
      return device
    }
    copy.kernel.cgroupControllers = Array(Set(kernel.cgroupControllers)).sorted()
    return copy
  }
}

extension NUMANode {
  fileprivate func canonicalized() -> NUMANode {
    var node = self
    node.hugePages = hugePages.sorted { $0.pageSizeBytes < $1.pageSizeBytes }
    node.cacheDomains = cacheDomains.sorted { $0.id < $1.id }.map { domain in
      var domain = domain
      domain.cores = domain.cores.sorted { $0.id < $1.id }.map { core in
        var core = core
        core.threads = core.threads.sorted { $0.cpu < $1.cpu }
        return core
      }
      return domain
    }
    return node
  }
}
