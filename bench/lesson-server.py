"""The lesson's server, for the capacity benchmark (bench/capacity.js).

It does what the lesson's Python server does, with paho-mqtt as the lesson uses it: a
client with the lesson's name, the network loop on paho's background thread, and for each
telemetry message `led_on = light < 300` published as JSON on the device's command topic
at QoS 0, not retained. The one change a user makes to serve more than one device: it
subscribes to `+/telemetry` and answers on `<id>/commands` of the id the topic names.
The lesson prints every message; that is left out (pass --print to keep it), since at
thousands of messages a second the terminal would be what is measured.

    python3 bench/lesson-server.py HOST PORT [--print]

Prints "ready" once its subscription is acknowledged.
"""
import json
import sys
import time

import paho.mqtt.client as mqtt

host = sys.argv[1]
port = int(sys.argv[2])
verbose = '--print' in sys.argv[3:]

client_name = 'capacity' + 'nightlight_server'

try:
    # paho-mqtt 2 asks which callback signatures the code was written for.
    mqtt_client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_name)
except AttributeError:
    mqtt_client = mqtt.Client(client_name)


def handle_telemetry(client, userdata, message):
    try:
        payload = json.loads(message.payload.decode())
        light = payload['light']
    except (ValueError, KeyError, TypeError):
        return
    if verbose:
        print("Message received:", payload)
    device = message.topic.split('/')[0]
    command = {'led_on': light < 300}
    if verbose:
        print("Sending message:", command)
    client.publish(device + '/commands', json.dumps(command))


def subscribed(client, userdata, mid, granted_qos):
    print('ready', flush=True)


mqtt_client.on_message = handle_telemetry
mqtt_client.on_subscribe = subscribed
mqtt_client.connect(host, port)
mqtt_client.loop_start()
mqtt_client.subscribe('+/telemetry')

while True:
    time.sleep(2)
