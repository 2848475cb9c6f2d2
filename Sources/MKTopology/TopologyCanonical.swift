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

extension Topology {
  /// The same topology without its volatile state: the facts that change
  /// while a host runs or that applying a plan changes: free memory, the
  /// size and use of the huge page pools (plans set the sizes; which page
  /// sizes exist is kept), IRQ affinities and whether each IRQ exists yet
  /// (bringing a NIC up requests its vectors), whether irqbalance runs, the
  /// boot id. What is left describes the host (CPUs, caches, nodes, memory
  /// totals, devices, IRQ numbers, kernel, host name, machine id): two
  /// discoveries of an unchanged host agree on this form byte for byte. It
  /// is what `mkpolicy discover` writes unless asked for `--volatile`, and
  /// what the plan's fingerprint digests.
  public func withoutVolatileState() -> Topology {
    var copy = canonicalized()
    copy.packages = copy.packages.map { package in
      var package = package
      package.dies = package.dies.map { die in
        var die = die
        die.nodes = die.nodes.map { node in
          var node = node
          node.memoryFreeBytes = nil
          node.hugePages = node.hugePages.map {
            HugePagePool(pageSizeBytes: $0.pageSizeBytes, total: nil, free: nil)
          }
          return node
        }
        return die
      }
      return package
    }
    copy.devices = copy.devices.map { device in
      var device = device
      device.irqs = device.irqs.map {
        DeviceIRQ(irq: $0.irq, name: $0.name, affinity: nil, movable: $0.movable, present: nil)
      }
      return device
    }
    copy.kernel.irqbalanceRunning = nil
    copy.kernel.bootId = nil
    return copy
  }

  /// True when nothing volatile is recorded (a stable snapshot).
  public var isStable: Bool { self == withoutVolatileState() }
}
