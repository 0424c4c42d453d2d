enum _PlaceholderAragoraServer {}
