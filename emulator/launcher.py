"""
Starts moto's server (the AWS API emulator) with the fixes the project's deploy rehearsal needs.
Every fix below closes a gap between moto and real AWS that the AWS provider runs into; each says
what real AWS does. Run with the virtual environment's python: launcher.py -H 127.0.0.1 -p PORT
(emulator/emulator.ts does).
"""
import os
import sys
import threading
import time

from moto.route53.responses import Route53
from moto.server import main

_create_hosted_zone = Route53.create_hosted_zone


def _create_hosted_zone_private_when_vpc_given(self):
    # Real AWS: CreateHostedZone with a VPC in the request creates a private zone associated with
    # that VPC, whether or not HostedZoneConfig.PrivateZone is sent (the AWS provider never sends
    # it). moto 5.2 makes the zone private only when the flag is sent: the zone comes back public
    # and without VPCs, Terraform plans a `vpc` drift, and the next apply fails with
    # PublicZoneVPCAssociation. Infer the flag from the VPC, as AWS does.
    if self._get_param("VPC.VPCId") and self._get_param("HostedZoneConfig.PrivateZone") is None:
        get_bool_param = self._get_bool_param

        def private_when_vpc_given(name, if_none=None):
            return True if name == "HostedZoneConfig.PrivateZone" else get_bool_param(name, if_none)

        self._get_bool_param = private_when_vpc_given
    return _create_hosted_zone(self)


Route53.create_hosted_zone = _create_hosted_zone_private_when_vpc_given



def _exit_with_parent():
    # The emulator only serves the process that started it: when that process is gone (even
    # killed with SIGKILL, which runs no cleanup), this one ends too instead of holding the port.
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    main(sys.argv[1:])
