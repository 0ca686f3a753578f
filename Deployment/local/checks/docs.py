"""Checks that the documentation matches the code: the architecture diagram shows every
deployed service and every topic, and each service touches exactly the topics its code
names; the service tables of README.md and ARCHITECTURE.md list exactly the stack's
services with their ports; the operations guide covers every service and topic."""

import re

import compose
import support

DOCS = support.ROOT / "Docs"


def deployed_services():
    data = compose.load()
    return {name for name in compose.vartalap_services(data) if name != "topics"}


def topic_properties():
    """TopicOptions property -> default topic name, dead letters included."""
    return {prop: name for prop, _, name in support.code_topics()}


def service_folders():
    """Executable product -> its source folder, from Package.swift."""
    text = (support.ROOT / "Package.swift").read_text()
    targets = dict(re.findall(r'\.executable\(\s*name:\s*"([^"]+)",\s*targets:\s*\["([^"]+)"\]', text))
    paths = dict(re.findall(r'\.executableTarget\(\s*name:\s*"([^"]+)",.*?path:\s*"([^"]+)"', text, re.DOTALL))
    return {product: support.ROOT / paths[target] for product, target in targets.items() if target in paths}


def topics_in_code(folder, properties):
    used = set()
    for file in folder.rglob("*.swift"):
        text = file.read_text()
        used |= {properties[name] for name in re.findall(r"\b(\w+Topic)\b", text) if name in properties}
        # A consumer service built on Libs/Pipeline dead-letters through it.
        if "ConsumerPipeline(" in text:
            used.add(properties["deadLetterTopic"])
    return used


def diagram():
    text = (DOCS / "ARCHITECTURE.md").read_text()
    blocks = re.findall(r"```mermaid\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 1, "ARCHITECTURE.md has one mermaid diagram"
    source = blocks[0]
    labels = {node: label for node, label in re.findall(r"^\s*(\w+)\[\(?([^\]\)]+)\)?\]\s*$", source, re.MULTILINE)}
    edges = re.findall(r"^\s*(\w+) --> (\w+)\s*$", source, re.MULTILINE)
    return labels, [(labels.get(a, a), labels.get(b, b)) for a, b in edges]


def diagram_shows_every_service_and_topic():
    labels, _ = diagram()
    shown = set(labels.values())
    missing = (deployed_services() | set(topic_properties().values())) - shown
    assert not missing, f"missing from the diagram: {sorted(missing)}"


def diagram_edges_match_the_code():
    _, edges = diagram()
    properties = topic_properties()
    topics = set(properties.values())
    folders = service_folders()
    problems = []
    for service in sorted(deployed_services()):
        drawn = {b for a, b in edges if a == service and b in topics} | {a for a, b in edges if b == service and a in topics}
        coded = topics_in_code(folders[service], properties)
        if drawn != coded:
            problems.append(f"{service}: drawn {sorted(drawn)}, code uses {sorted(coded)}")
    assert not problems, "\n".join(problems)


def table_cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def service_table(path):
    """The table of a Markdown file whose header starts `| service |`, as {service: the
    first number in its port column, or None where that cell has none}."""
    lines = path.read_text().splitlines()
    starts = [index for index, line in enumerate(lines) if re.match(r"\|\s*service\s*\|", line)]
    assert len(starts) == 1, f"{path.name} has {len(starts)} tables headed | service |, expected one"
    header = table_cells(lines[starts[0]])
    port_columns = [index for index, name in enumerate(header) if "port" in name]
    assert len(port_columns) == 1, f"{path.name}: no single port column in {header}"
    rows = {}
    for line in lines[starts[0] + 2:]:
        if not line.startswith("|"):
            break
        cells = table_cells(line)
        name = cells[0].strip("`")
        assert name not in rows, f"{path.name} lists {name} twice"
        port = re.search(r"\d+", cells[port_columns[0]])
        rows[name] = int(port.group()) if port else None
    assert rows, f"{path.name}: the service table has no rows"
    return rows


def service_tables_match_the_stack():
    problems = []
    for path in (support.ROOT / "README.md", DOCS / "ARCHITECTURE.md"):
        problems += support.disagreements_with_the_stack(service_table(path), str(path.relative_to(support.ROOT)))
    assert not problems, "\n".join(problems)


def operations_guide_covers_everything():
    text = (DOCS / "OPERATIONS.md").read_text()
    missing = {name for name in deployed_services() | set(topic_properties().values()) if f"`{name}`" not in text}
    assert not missing, f"OPERATIONS.md does not mention {sorted(missing)}"


def main():
    tally = support.Tally("Checks/docs")
    tally.check("the architecture diagram shows every service and topic", diagram_shows_every_service_and_topic)
    tally.check("each service's arrows in the diagram are the topics its code uses", diagram_edges_match_the_code)
    tally.check("README's and ARCHITECTURE.md's service tables are the stack's SERVICES, ports included",
                service_tables_match_the_stack)
    tally.check("OPERATIONS.md covers every service and topic", operations_guide_covers_everything)
    tally.finish()


if __name__ == "__main__":
    main()
