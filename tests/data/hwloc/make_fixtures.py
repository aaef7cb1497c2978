#!/usr/bin/env python3
"""Regenerates the hwloc XML fixtures of this folder (see README.md).

Usage: python3 make_fixtures.py NAME > NAME.xml, NAME one of FIXTURES below.

The CPU and memory part comes from `lstopo-no-graphics -i <synthetic> --of xml`; the I/O
objects (host Bridge -> [PCIe switch Bridges ->] PCIDev -> OSDev) are appended as the last
children of each Package, which is where hwloc's Linux backend puts devices local to a socket.
"""
import re
import subprocess
import sys

_next_gp_index = [1000]  # above anything lstopo numbers for these small machines


def gp_index():
    _next_gp_index[0] += 1
    return _next_gp_index[0]


def cpu_part(synthetic):
    return subprocess.run(["lstopo-no-graphics", "-i", synthetic, "--of", "xml", "-"],
                          check=True, capture_output=True, text=True).stdout


def info(name, value, indent):
    return f'{indent}<info name="{name}" value="{value}"/>\n'


def os_device(name, osdev_type, subtype=None, infos=()):
    """osdev_type: 1 = GPU, 5 = CoProc (hwloc_obj_osdev_type_e)."""
    def render(indent):
        sub = f' subtype="{subtype}"' if subtype else ""
        out = (f'{indent}<object type="OSDev" gp_index="{gp_index()}" name="{name}"{sub} '
               f'osdev_type="{osdev_type}">\n')
        for key, value in infos:
            out += info(key, value, indent + "  ")
        return out + f"{indent}</object>\n"
    return render


def pci_function(bus, class_id, vendor, device, names=None, children=(), slot="00.0"):
    """PCI device <bus>:<slot> (no bridge above it)."""
    def render(indent):
        out = (f'{indent}<object type="PCIDev" gp_index="{gp_index()}" '
               f'pci_busid="0000:{bus}:{slot}" pci_type="{class_id} [{vendor}:{device}] '
               f'[{vendor}:0000] a1" pci_link_speed="0.000000">\n')
        if names:
            out += info("PCIVendor", names[0], indent + "  ")
            out += info("PCIDevice", names[1], indent + "  ")
        for child in children:
            out += child(indent + "  ")
        return out + f"{indent}</object>\n"
    return render


def host_bridge(first_bus, last_bus, children):
    """A host bridge (upstream: host, downstream: PCI buses first_bus..last_bus)."""
    def render(indent):
        out = (f'{indent}<object type="Bridge" gp_index="{gp_index()}" bridge_type="0-1" '
               f'depth="0" bridge_pci="0000:[{first_bus}-{last_bus}]">\n')
        for child in children:
            out += child(indent + "  ")
        return out + f"{indent}</object>\n"
    return render


def pci_bridge(busid, depth, first_bus, last_bus, children, device="c030"):
    """A PCI-to-PCI bridge (a PCIe switch port, class 0604; Broadcom PEX890xx by default) at
    `busid` ("16:00.0") forwarding buses first_bus..last_bus."""
    def render(indent):
        out = (f'{indent}<object type="Bridge" gp_index="{gp_index()}" bridge_type="1-1" '
               f'depth="{depth}" bridge_pci="0000:[{first_bus}-{last_bus}]" '
               f'pci_busid="0000:{busid}" pci_type="0604 [1000:{device}] [1000:0000] b0" '
               f'pci_link_speed="0.000000">\n')
        for child in children:
            out += child(indent + "  ")
        return out + f"{indent}</object>\n"
    return render


def pci_device(bus, class_id, vendor, device, names=None, children=(), slot="00.0"):
    """A host bridge for bus `bus` holding device <bus>:<slot>."""
    return host_bridge(bus, bus, [pci_function(bus, class_id, vendor, device, names, children,
                                               slot)])


def pcie_switch(upstream_bus, devices):
    """A host bridge -> PCIe switch upstream port on bus `upstream_bus` (an int) -> one
    downstream port per device -> the device, as hwloc shows a switch: devices[i] is a function
    of the bus it is to sit on, and sits on bus upstream_bus + 2 + i."""
    ports = []
    for i, device in enumerate(devices):
        bus = f"{upstream_bus + 2 + i:02x}"
        ports.append(pci_bridge(f"{upstream_bus + 1:02x}:{i:02x}.0", 2, bus, bus, [device(bus)]))
    last = f"{upstream_bus + 1 + len(devices):02x}"
    upstream = pci_bridge(f"{upstream_bus:02x}:00.0", 1, f"{upstream_bus + 1:02x}", last, ports)
    return host_bridge(f"{upstream_bus:02x}", last, [upstream])


def under_packages(xml, io_by_package):
    """Appends io_by_package[i] (renderers) as the last children of the i-th Package."""
    out, stack, package = [], [], -1
    for line in xml.splitlines(keepends=True):
        text = line.strip()
        if text.startswith("<object ") and not text.endswith("/>"):
            is_package = 'type="Package"' in text
            package += is_package
            stack.append(package if is_package else None)
        elif text == "</object>":
            closing = stack.pop()
            if closing is not None:
                indent = line[: len(line) - len(line.lstrip())] + "  "
                out.extend(render(indent) for render in io_by_package.get(closing, []))
        out.append(line)
    return "".join(out)


def h100_function(bus, index):
    cuda = os_device(f"cuda{index}", 5, "CUDA", [
        ("Backend", "CUDA"), ("GPUVendor", "NVIDIA Corporation"),
        ("GPUModel", "NVIDIA H100 80GB HBM3"), ("CUDAGlobalMemorySize", "83295872"),
        ("CUDAMultiProcessors", "132")])
    return pci_function(bus, "0302", "10de", "2330",
                        ("NVIDIA Corporation", "GH100 [H100 SXM5 80GB]"), [cuda])


def cuda_h100(bus, index):
    """An H100 with its CUDA OS device, alone below its own host bridge."""
    return host_bridge(bus, bus, [h100_function(bus, index)])


def h100_at(index):
    """An H100 for pcie_switch: placed on whatever bus the switch gives it."""
    return lambda bus: h100_function(bus, index)


def nvml_a100(bus, index):
    nvml = os_device(f"nvml{index}", 1, "NVML", [
        ("Backend", "NVML"), ("GPUVendor", "NVIDIA Corporation"),
        ("GPUModel", "NVIDIA A100-SXM4-40GB")])
    return pci_device(bus, "0302", "10de", "20b0",
                      ("NVIDIA Corporation", "GA100 [A100 SXM4 40GB]"), [nvml])


def gpu_2s_4gpu():
    # Linux numbering: PUs 0-15 are the first threads of cores 0-15, 16-31 their siblings.
    first_then_siblings = ",".join(f"{core},{core + 16}" for core in range(16))
    xml = cpu_part(f"pack:2 numa:1(memory=64GiB) core:8 pu:2(indexes={first_then_siblings})")
    return under_packages(xml, {0: [cuda_h100("17", 0), cuda_h100("3d", 1)],
                                1: [cuda_h100("97", 2), cuda_h100("bd", 3)]})


def gpu_2s_8gpu_2switch():
    # Linux numbering as gpu-2s-4gpu; each socket has one PCIe switch with 4 H100s behind it.
    first_then_siblings = ",".join(f"{core},{core + 16}" for core in range(16))
    xml = cpu_part(f"pack:2 numa:1(memory=64GiB) core:8 pu:2(indexes={first_then_siblings})")
    return under_packages(xml, {0: [pcie_switch(0x15, [h100_at(i) for i in range(4)])],
                                1: [pcie_switch(0x95, [h100_at(i) for i in range(4, 8)])]})


def gpu_1s_2gpu_nvml():
    xml = cpu_part("pack:1 numa:1(memory=16GiB) core:4 pu:1")
    bmc_vga = pci_device("03", "0300", "1a03", "2000", ("ASPEED Technology, Inc.",
                                                         "ASPEED Graphics Family"),
                         [os_device("card0", 1)])
    return under_packages(xml, {0: [bmc_vga, nvml_a100("41", 0), nvml_a100("81", 1)]})


def gpu_1s_pci_only():
    xml = cpu_part("pack:1 numa:1(memory=16GiB) core:4 pu:1")
    intel_igpu = pci_device("00", "0300", "8086", "4680", children=[os_device("card0", 1)],
                            slot="02.0")
    bmc_vga = pci_device("05", "0300", "1a03", "2000")
    nvidia = pci_device("3b", "0302", "10de", "1db4")
    amd = pci_device("c1", "0380", "1002", "740c", children=[os_device("card1", 1)])
    # Deliberately out of bus order: the probe numbers PCI GPUs by bus id.
    return under_packages(xml, {0: [intel_igpu, bmc_vga, amd, nvidia]})


FIXTURES = {
    "gpu-2s-4gpu": gpu_2s_4gpu,
    "gpu-2s-8gpu-2switch": gpu_2s_8gpu_2switch,
    "gpu-1s-2gpu-nvml": gpu_1s_2gpu_nvml,
    "gpu-1s-pci-only": gpu_1s_pci_only,
}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in FIXTURES:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(FIXTURES)}}} > NAME.xml")
    text = FIXTURES[sys.argv[1]]()
    # The generating process's name is not part of the machine.
    text = re.sub(r'\n\s*<info name="ProcessName" value="[^"]*"/>', "", text)
    sys.stdout.write(text)
