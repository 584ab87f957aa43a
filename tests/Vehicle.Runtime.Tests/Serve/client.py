#!/usr/bin/env python3
"""A client of serve's local API that is not ours: Debian's python3-grpcio, with stubs generated
now (python3-grpc-tools) from the service's own .proto.

Usage: client.py SOCKET PROTO_DIR OUT_DIR
Prints one JSON object with what it saw; the test that runs it checks the values.
"""
import json
import os
import sys

socket_path, proto_dir, out_dir = sys.argv[1:4]

import grpc_tools  # noqa: E402
from grpc_tools import protoc  # noqa: E402

well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")  # google/protobuf/*.proto
if protoc.main(["protoc", f"-I{proto_dir}", f"-I{well_known}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}",
                f"{proto_dir}/copilot.proto", f"{proto_dir}/health.proto"]) != 0:
    sys.exit("protoc failed")
sys.path.insert(0, out_dir)

import grpc  # noqa: E402
import copilot_pb2 as api  # noqa: E402
import copilot_pb2_grpc as api_grpc  # noqa: E402
import health_pb2  # noqa: E402
import health_pb2_grpc  # noqa: E402

seen = {}
with grpc.insecure_channel(f"unix:{socket_path}") as channel:
    health = health_pb2_grpc.HealthStub(channel)
    seen["readiness"] = health_pb2.HealthCheckResponse.ServingStatus.Name(
        health.Check(health_pb2.HealthCheckRequest(service="readiness"), timeout=10).status)

    copilot = api_grpc.CopilotStub(channel)
    events = copilot.Events(api.EventsRequest())
    events.initial_metadata()  # subscribed: every later event reaches this stream

    outcome = copilot.Submit(api.SubmitRequest(text="set the temperature to 22 degrees", seat="passenger",
                                               conversation="python"), timeout=10)
    seen["outcome"] = outcome.outcome
    seen["intent"] = outcome.intent
    seen["slots"] = {k: (v.number if v.WhichOneof("kind") == "number" else v.text) for k, v in outcome.slots.items()}
    seen["actuations"] = [[a.path, a.value.number] for a in outcome.actuations]
    seen["json_outcome"] = json.loads(outcome.json)["outcome"]

    for event in events:
        if event.WhichOneof("kind") == "outcome":
            seen["event_outcome"] = [event.outcome.text, event.outcome.conversation, event.time.seconds > 0]
            break
    events.cancel()

    try:
        copilot.Submit(api.SubmitRequest(text="open the window", seat="roof"), timeout=10)
        seen["bad_seat"] = "OK"
    except grpc.RpcError as error:
        seen["bad_seat"] = error.code().name

    seen["profile_has_history"] = "climate" in copilot.GetProfile(api.GetProfileRequest(), timeout=10).json

print(json.dumps(seen))
