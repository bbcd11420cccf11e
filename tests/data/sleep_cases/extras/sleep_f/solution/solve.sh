#!/usr/bin/env bash
date +%s.%N > started
sleep 2.4
