"""A small evaluator of what CloudFormation makes of a (SAM-transformed) template for given
parameter values: which conditions hold, which resources and outputs exist, and their properties
with Fn::If / AWS::NoValue / Fn::Select / Fn::Split / Fn::Join resolved. Only the intrinsic
functions the edgeguard templates use in conditions and properties are understood; anything else
(Fn::GetAtt, Fn::Sub, a Ref to a resource) stays symbolic, as CloudFormation resolves it only at
deploy time. An out-of-range Fn::Select raises, as it fails a deployment."""

NO_VALUE = object()


class Stack:
    def __init__(self, template, parameters=None, region="us-east-1"):
        self.template = template
        self.region = region
        self.parameters = {}
        for name, spec in template.get("Parameters", {}).items():
            raw = (parameters or {}).get(name, spec.get("Default", ""))
            if spec["Type"] == "CommaDelimitedList":
                raw = [item.strip() for item in raw.split(",")]
            self.parameters[name] = raw
        unknown = set(parameters or {}) - set(self.parameters)
        if unknown:
            raise KeyError(f"no such parameters: {sorted(unknown)}")
        self._conditions = {}

    def condition(self, name):
        if name not in self._conditions:
            self._conditions[name] = bool(self.value(self.template["Conditions"][name]))
        return self._conditions[name]

    def resources(self):
        """{logical id: resolved properties} of the resources this stack creates."""
        return {
            name: self.value(resource.get("Properties", {}))
            for name, resource in self.template["Resources"].items()
            if "Condition" not in resource or self.condition(resource["Condition"])
        }

    def outputs(self):
        return {
            name: self.value(output["Value"])
            for name, output in self.template.get("Outputs", {}).items()
            if "Condition" not in output or self.condition(output["Condition"])
        }

    def value(self, node):
        if isinstance(node, list):
            return [v for v in (self.value(item) for item in node) if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            function = {
                "Ref": self._ref,
                "Condition": self.condition,
                "Fn::If": lambda a: self.value(a[1] if self.condition(a[0]) else a[2]),
                "Fn::Equals": lambda a: self.value(a[0]) == self.value(a[1]),
                "Fn::Not": lambda a: not self.value(a[0]),
                "Fn::And": lambda a: all(self.value(c) for c in a),
                "Fn::Or": lambda a: any(self.value(c) for c in a),
                "Fn::Select": lambda a: self.value(a[1])[int(self.value(a[0]))],
                "Fn::Split": lambda a: self.value(a[1]).split(a[0]),
                "Fn::Join": lambda a: a[0].join(self.value(a[1])),
            }.get(key)
            if function is not None:
                return function(arg)
            if key.startswith("Fn::"):
                return node
        resolved = {k: self.value(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _ref(self, name):
        if name == "AWS::NoValue":
            return NO_VALUE
        if name == "AWS::Region":
            return self.region
        if name in self.parameters:
            return self.parameters[name]
        return {"Ref": name}
