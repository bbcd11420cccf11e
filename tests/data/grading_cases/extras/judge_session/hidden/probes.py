"""The probe of the judge_session case: it echoes the inputs."""


def run(name, inputs):
    return {"x": inputs["x"]}
