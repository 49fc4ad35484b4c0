/** Bodies and texts copied from the recordings in shared/comfyui-real (ComfyUI 0.8.0). */

export const SYSTEM_STATS = {
  system: {
    os: "linux",
    ram_total: 135148564480,
    ram_free: 133873729536,
    comfyui_version: "0.8.0",
    required_frontend_version: "1.35.9",
    installed_templates_version: null,
    required_templates_version: "0.7.67",
    python_version: "3.12.3 (main, Aug 31 2026, 10:18:26) [GCC 13.3.0]",
    pytorch_version: "2.11.0+cu130",
    embedded_python: false,
    argv: [
      "main.py",
      "--listen",
      "127.0.0.1",
      "--port",
      "8188",
      "--front-end-root",
      "frontend",
      "--disable-api-nodes",
      "--preview-method",
      "latent2rgb",
      "--database-url",
      "sqlite:///:memory:",
      "--output-directory",
      "ComfyUI/output",
      "--input-directory",
      "ComfyUI/input"
    ]
  },
  devices: [
    {
      name: "cuda:0 NVIDIA H100 80GB HBM3 : cudaMallocAsync",
      type: "cuda",
      index: 0,
      vram_total: 85017493504,
      vram_free: 84465090560,
      torch_vram_total: 0,
      torch_vram_free: 0
    }
  ]
};

/** GET /features, also the server's answer to the feature_flags handshake. */
export const FEATURES = {
  supports_preview_metadata: true,
  max_upload_size: 104857600,
  extension: {
    manager: {
      supports_v4: true
    }
  }
};

/** What LoadImage raises on bytes PIL cannot read (recorded on a non-image upload). */
export const LOAD_IMAGE_TRACEBACK: string[] = [
  "  File \"ComfyUI/execution.py\", line 518, in execute\n    output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(prompt_id, unique_id, obj, input_data_all, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, v3_data=v3_data)\n                                                              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n",
  "  File \"ComfyUI/execution.py\", line 329, in get_output_data\n    return_values = await _async_map_node_over_list(prompt_id, unique_id, obj, input_data_all, obj.FUNCTION, allow_interrupt=True, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, v3_data=v3_data)\n                    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n",
  "  File \"ComfyUI/execution.py\", line 303, in _async_map_node_over_list\n    await process_inputs(input_dict, i)\n",
  "  File \"ComfyUI/execution.py\", line 291, in process_inputs\n    result = f(**inputs)\n             ^^^^^^^^^^^\n",
  "  File \"ComfyUI/nodes.py\", line 1664, in load_image\n    img = node_helpers.pillow(Image.open, image_path)\n          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n",
  "  File \"ComfyUI/node_helpers.py\", line 31, in pillow\n    x = fn(arg)\n        ^^^^^^^\n",
  "  File \"/opt/torch/.venv/lib/python3.12/site-packages/PIL/Image.py\", line 3715, in open\n    raise UnidentifiedImageError(msg)\n",
];

/** The frames every node failure starts with; a failNode() error ends with its own. */
export const EXECUTE_TRACEBACK: string[] = LOAD_IMAGE_TRACEBACK.slice(0, 4);

export const INTERNAL_ERROR_TEXT = '500 Internal Server Error\n\nServer got itself in trouble';
